import CreditModel
import Foundation
import ServiceSupport

/// Everything the ingest service needs to run, read once by `main` (or built by a test).
///
/// Environment variables (defaults are the contract's):
/// - `DATABASE_URL` (required), `KAFKA_BOOTSTRAP` (default `127.0.0.1:9092`);
/// - `INGEST_SCHEMA` (`ingest`), `INGEST_GROUP_ID` (`ingest`), `INGEST_TOPIC_PREFIX` (empty:
///   every `agency.<id>.events`), `INGEST_ACCEPTED_TOPIC` (`events.accepted`),
///   `INGEST_REJECTED_TOPIC` (`events.rejected`), `INGEST_MAX_BATCH` (2000);
/// - `INGEST_AGENCIES_FILE` (`deploy/agencies.yaml`);
/// - `INGEST_AGENCY_TOKENS` (`agency:token,...`) and/or `INGEST_AGENCY_TOKENS_FILE`
///   (one `agency:token` per line); stored hashed;
/// - `INGEST_HTTP_HOST`/`INGEST_HTTP_PORT` (127.0.0.1:8081); `CREDIT_DEV_CLOCK_FILE` (dev clock).
public struct IngestConfiguration: Sendable {
    /// libpq URL of the database.
    public var databaseURL: String
    /// Kafka bootstrap servers.
    public var kafkaBootstrap: String
    /// The service's schema.
    public var schema = "ingest"
    /// The consumer group.
    public var groupID = "ingest"
    /// Which agency topics to read.
    public var topics = AgencyTopics()
    /// Where accepted events go.
    public var acceptedTopic = Topics.eventsAccepted
    /// Where dead letters go.
    public var rejectedTopic = Topics.eventsRejected
    /// Most Kafka messages handled in one transaction.
    public var maxBatch = 2000
    /// The agency registry.
    public var registry: AgencyRegistry
    /// Plain `agency -> token` pairs from configuration; only their hashes are stored.
    public var tokens: [String: String] = [:]
    /// Where the HTTP server listens.
    public var http = HTTPConfiguration(port: 8081)
    /// Limits of `POST /v1/events`.
    public var httpLimits = HTTPLimits()
    /// Database connections.
    public var poolSize = 4
    /// Kafka client settings (`KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`).
    public var kafkaTuning = KafkaTuning()

    /// A configuration with the contract defaults.
    public init(databaseURL: String, kafkaBootstrap: String, registry: AgencyRegistry) {
        self.databaseURL = databaseURL
        self.kafkaBootstrap = kafkaBootstrap
        self.registry = registry
    }

    /// Reads the variables listed above.
    public static func fromEnvironment(_ env: EnvironmentReader = .init()) throws -> IngestConfiguration {
        let registryPath = env.string("INGEST_AGENCIES_FILE", default: "deploy/agencies.yaml")
        let registry = try AgencyRegistry.load(contentsOf: URL(fileURLWithPath: registryPath))
        var configuration = IngestConfiguration(databaseURL: try env.requiredString("DATABASE_URL"),
                                                kafkaBootstrap: env.string("KAFKA_BOOTSTRAP", default: "127.0.0.1:9092"),
                                                registry: registry)
        configuration.kafkaTuning = try KafkaTuning.fromEnvironment(env)
        configuration.schema = env.string("INGEST_SCHEMA", default: "ingest")
        configuration.groupID = env.string("INGEST_GROUP_ID", default: "ingest")
        configuration.topics = AgencyTopics(prefix: env.string("INGEST_TOPIC_PREFIX", default: ""))
        configuration.acceptedTopic = env.string("INGEST_ACCEPTED_TOPIC", default: Topics.eventsAccepted)
        configuration.rejectedTopic = env.string("INGEST_REJECTED_TOPIC", default: Topics.eventsRejected)
        configuration.maxBatch = try env.int("INGEST_MAX_BATCH", default: 2000, in: 1...100_000)
        configuration.poolSize = try env.int("INGEST_DB_POOL_SIZE", default: 4, in: 1...64)
        var tokenText = env.string("INGEST_AGENCY_TOKENS", default: "")
        if let file = env.optionalString("INGEST_AGENCY_TOKENS_FILE") {
            tokenText += "\n" + (try String(contentsOfFile: file, encoding: .utf8))
        }
        configuration.tokens = try AgencyTokens.parse(tokenText)
        configuration.http = try HTTPConfiguration.fromEnvironment(prefix: "INGEST", defaultPort: 8081, env)
        return configuration
    }
}

/// Limits of one `POST /v1/events` request; beyond them the answer is 413 `too_large`.
public struct HTTPLimits: Sendable, Hashable {
    /// Most events in one request (1000).
    public var maxEvents = 1000
    /// Largest request body (1 MiB).
    public var maxBodyBytes = 1 << 20

    /// The documented defaults.
    public init() {}
}
