import CreditModel
import Foundation
import ServiceSupport

/// Everything the `sanctions` service is configured with. `main` reads it from the
/// environment (`fromEnvironment`); tests build it directly.
public struct SanctionsConfiguration: Sendable {
    /// libpq URL of the database.
    public var databaseURL: String
    /// Kafka bootstrap servers.
    public var kafkaBootstrap: String
    /// The service's schema.
    public var schema = "sanctions"
    /// The consumed and produced topics.
    public var topics = SanctionsTopics()
    /// The consumer group.
    public var groupID = "sanctions"
    /// The rulebook file.
    public var rulebookPath = "deploy/rulebooks/default.yaml"
    /// The HTTP listener.
    public var http = HTTPConfiguration(port: 8083)
    /// Time between deadline rounds.
    public var deadlineInterval: Duration = .seconds(5)
    /// Officers' tokens (reviews).
    public var officers = Credentials()
    /// Enforcers' tokens (list lookups).
    public var enforcers = Credentials()
    /// Connections in the PostgreSQL pool.
    public var poolSize = 4

    /// A configuration with defaults for everything but the two addresses.
    public init(databaseURL: String, kafkaBootstrap: String) {
        self.databaseURL = databaseURL
        self.kafkaBootstrap = kafkaBootstrap
    }

    /// Reads the configuration: `DATABASE_URL`, `KAFKA_BOOTSTRAP` (required); `SANCTIONS_SCHEMA`,
    /// `SANCTIONS_GROUP`, `SANCTIONS_SCORES_TOPIC`, `SANCTIONS_EVENTS_TOPIC`,
    /// `SANCTIONS_RECEIPTS_TOPIC`, `SANCTIONS_DECISIONS_TOPIC`, `SANCTIONS_NOTICES_TOPIC`,
    /// `SANCTIONS_RULEBOOK`, `SANCTIONS_HTTP_PORT`/`_HOST` (8083), `SANCTIONS_DEADLINE_INTERVAL`
    /// (5s), `SANCTIONS_OFFICER_TOKENS` and `SANCTIONS_ENFORCER_TOKENS` (`name:token,...`; a bare
    /// token is named `officer` / `enforcer`).
    public static func fromEnvironment(_ env: EnvironmentReader = .init()) throws -> SanctionsConfiguration {
        var configuration = SanctionsConfiguration(databaseURL: try env.requiredString("DATABASE_URL"),
                                                   kafkaBootstrap: try env.requiredString("KAFKA_BOOTSTRAP"))
        configuration.schema = env.string("SANCTIONS_SCHEMA", default: configuration.schema)
        configuration.groupID = env.string("SANCTIONS_GROUP", default: configuration.groupID)
        var topics = configuration.topics
        topics.scoreChanges = env.string("SANCTIONS_SCORES_TOPIC", default: topics.scoreChanges)
        topics.acceptedEvents = env.string("SANCTIONS_EVENTS_TOPIC", default: topics.acceptedEvents)
        topics.receipts = env.string("SANCTIONS_RECEIPTS_TOPIC", default: topics.receipts)
        topics.decisions = env.string("SANCTIONS_DECISIONS_TOPIC", default: topics.decisions)
        topics.notices = env.string("SANCTIONS_NOTICES_TOPIC", default: topics.notices)
        configuration.topics = topics
        configuration.rulebookPath = env.string("SANCTIONS_RULEBOOK", default: configuration.rulebookPath)
        configuration.http = try HTTPConfiguration.fromEnvironment(prefix: "SANCTIONS", defaultPort: 8083, env)
        configuration.deadlineInterval = try env.duration("SANCTIONS_DEADLINE_INTERVAL", default: configuration.deadlineInterval)
        do {
            configuration.officers = try Credentials(list: env.string("SANCTIONS_OFFICER_TOKENS", default: ""), defaultName: "officer")
        } catch {
            throw ConfigurationError(variable: "SANCTIONS_OFFICER_TOKENS", problem: error.description)
        }
        do {
            configuration.enforcers = try Credentials(list: env.string("SANCTIONS_ENFORCER_TOKENS", default: ""), defaultName: "enforcer")
        } catch {
            throw ConfigurationError(variable: "SANCTIONS_ENFORCER_TOKENS", problem: error.description)
        }
        return configuration
    }
}
