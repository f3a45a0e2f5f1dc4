import CreditModel
import Foundation
import Hummingbird
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import ServiceSupport

/// The `scoring` service's logic; its executable (Services/Scoring/Main) is a thin `main`.
public enum ScoringService {
    /// Settings, read by `main` from the environment (contract defaults in parentheses).
    public struct Configuration: Sendable {
        /// PostgreSQL URL (`DATABASE_URL`).
        public var databaseURL: String
        /// Kafka bootstrap servers (`KAFKA_BOOTSTRAP`).
        public var kafkaBootstrap: String
        /// The schema (`SCORING_SCHEMA`, `scoring`).
        public var schema = "scoring"
        /// The consumed topic (`SCORING_INPUT_TOPIC`, `events.accepted`).
        public var inputTopic = Topics.eventsAccepted
        /// The produced topic (`SCORING_OUTPUT_TOPIC`, `scores.changed`).
        public var outputTopic = Topics.scoresChanged
        /// The consumer group (`SCORING_GROUP`, `scoring`).
        public var group = "scoring"
        /// The rulebook file (`SCORING_RULEBOOK`, `deploy/rulebooks/default.yaml`).
        public var rulebookPath = "deploy/rulebooks/default.yaml"
        /// HTTP listener (`SCORING_HTTP_PORT`, 8082).
        public var http = HTTPConfiguration(port: 8082)
        /// Time between expiry rounds (`SCORING_EXPIRY_INTERVAL`, 30s).
        public var expiryInterval: Duration = .seconds(30)
        /// Kafka client settings (`KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`).
        public var kafkaTuning = KafkaTuning()
        /// Ledger entries the history cache holds per generation (`SCORING_HISTORY_CACHE_ENTRIES`,
        /// 100000; 0 turns it off): at most about twice this many stay in memory (``HistoryCache``).
        public var historyCacheEntries = 100_000

        /// Creates a configuration with the contract defaults.
        public init(databaseURL: String, kafkaBootstrap: String) {
            self.databaseURL = databaseURL
            self.kafkaBootstrap = kafkaBootstrap
        }

        /// Reads the environment.
        public static func fromEnvironment(_ env: EnvironmentReader = .init()) throws -> Configuration {
            var configuration = Configuration(databaseURL: try env.requiredString("DATABASE_URL"),
                                              kafkaBootstrap: env.string("KAFKA_BOOTSTRAP", default: "127.0.0.1:9092"))
            configuration.kafkaTuning = try KafkaTuning.fromEnvironment(env)
            configuration.schema = env.string("SCORING_SCHEMA", default: configuration.schema)
            configuration.inputTopic = env.string("SCORING_INPUT_TOPIC", default: configuration.inputTopic)
            configuration.outputTopic = env.string("SCORING_OUTPUT_TOPIC", default: configuration.outputTopic)
            configuration.group = env.string("SCORING_GROUP", default: configuration.group)
            configuration.rulebookPath = env.string("SCORING_RULEBOOK", default: configuration.rulebookPath)
            configuration.http = try HTTPConfiguration.fromEnvironment(prefix: "SCORING", defaultPort: 8082, env)
            configuration.expiryInterval = try env.duration("SCORING_EXPIRY_INTERVAL", default: configuration.expiryInterval)
            configuration.historyCacheEntries = try env.int("SCORING_HISTORY_CACHE_ENTRIES", default: configuration.historyCacheEntries,
                                                            in: 0...100_000_000)
            return configuration
        }
    }

    /// The running parts: consumer, outbox publisher, expiry job, and the HTTP routes.
    public struct Parts: Sendable {
        /// The long-lived services (publisher, consumer, expiry job).
        public var services: [any Service]
        /// The HTTP API.
        public var routes: ScoringRoutes
        /// The database pool (for health checks and shutdown).
        public var pool: PostgresPool
        /// The producer behind the publisher (shut it down after the services stop).
        public var producer: KafkaProducer
        /// The in-transaction scoring (tests drive it directly).
        public var scorer: Scorer
        /// The expiry job.
        public var expiry: ExpiryJob
    }

    /// Loads the rulebook, migrates the schema and builds the parts.
    public static func makeParts(_ configuration: Configuration, clock: any WallClock, logger: Logger) async throws -> Parts {
        let rulebook = try Rulebook.load(contentsOf: URL(fileURLWithPath: configuration.rulebookPath))
        // The consumer's lanes, the publisher, and one for the expiry job and the routes.
        let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL,
                                                                     poolSize: max(4, configuration.kafkaTuning.lanes + 2),
                                                                     applicationName: "scoring"), logger: logger)
        try await pool.migrate(schema: configuration.schema, migrations: ScoringSchema.migrations)
        let ledger = Ledger(schema: configuration.schema)
        let cache = configuration.historyCacheEntries > 0 ? HistoryCache(capacity: configuration.historyCacheEntries) : nil
        let scorer = Scorer(engine: RuleEngine(rulebook: rulebook), ledger: ledger, topic: configuration.outputTopic,
                            historyCache: cache)
        let producer = try KafkaProducer(configuration: configuration.kafkaTuning.producer(bootstrapServers: configuration.kafkaBootstrap),
                                         logger: logger)
        let publisher = OutboxPublisher(pool: pool, producer: producer, schema: configuration.schema, logger: logger)
        var consumerConfiguration = PipelineConsumerConfiguration(topics: [configuration.inputTopic], schema: configuration.schema)
        consumerConfiguration.batchLinger = configuration.kafkaTuning.batchLinger
        consumerConfiguration.lingerWhileBelow = configuration.kafkaTuning.batchLingerWhileBelow
        consumerConfiguration.lanes = configuration.kafkaTuning.lanes
        let consumer = PipelineConsumer(
            configuration: consumerConfiguration,
            kafka: configuration.kafkaTuning.consumer(bootstrapServers: configuration.kafkaBootstrap, groupID: configuration.group),
            pool: pool, handler: ScoringHandler(scorer: scorer), publisher: publisher, logger: logger)
        let expiry = ExpiryJob(scorer: scorer, pool: pool, clock: clock, interval: configuration.expiryInterval,
                               publisher: publisher, logger: logger)
        logger.info("scoring ready", metadata: ["rulebook": "\(configuration.rulebookPath)", "version": "\(rulebook.version)",
                                                "rules": "\(rulebook.rules.count)", "schema": "\(configuration.schema)"])
        return Parts(services: [publisher, consumer, expiry],
                     routes: ScoringRoutes(pool: pool, ledger: ledger, rulebook: rulebook),
                     pool: pool, producer: producer, scorer: scorer, expiry: expiry)
    }
}
