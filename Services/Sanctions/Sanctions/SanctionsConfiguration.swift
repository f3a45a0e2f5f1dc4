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
    /// Kafka client settings (`KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`).
    public var kafkaTuning = KafkaTuning()

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
    /// token is named `officer` / `enforcer`), and the embedded stack's single
    /// `SANCTIONS_OFFICER_TOKEN` / `SANCTIONS_ENFORCER_TOKEN` (named `officer` / `enforcer`).
    public static func fromEnvironment(_ env: EnvironmentReader = .init()) throws -> SanctionsConfiguration {
        var configuration = SanctionsConfiguration(databaseURL: try env.requiredString("DATABASE_URL"),
                                                   kafkaBootstrap: try env.requiredString("KAFKA_BOOTSTRAP"))
        configuration.kafkaTuning = try KafkaTuning.fromEnvironment(env)
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
        configuration.officers = try credentials(env, role: "OFFICER", defaultName: "officer")
        configuration.enforcers = try credentials(env, role: "ENFORCER", defaultName: "enforcer")
        return configuration
    }

    /// The tokens of `role` from `SANCTIONS_<role>_TOKENS` and `SANCTIONS_<role>_TOKEN`.
    private static func credentials(_ env: EnvironmentReader, role: String, defaultName: String) throws -> Credentials {
        let variables = ["SANCTIONS_\(role)_TOKENS", "SANCTIONS_\(role)_TOKEN"]
        var tokens: [String: String] = [:]
        for variable in variables {
            guard let text = env.optionalString(variable) else { continue }
            do {
                let list = variable.hasSuffix("S") ? text : "\(defaultName):\(text)"
                tokens.merge(try Credentials.parse(list: list, defaultName: defaultName)) { first, _ in first }
            } catch {
                throw ConfigurationError(variable: variable, problem: error.description)
            }
        }
        return Credentials(tokens: tokens)
    }
}
