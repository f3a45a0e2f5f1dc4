import CreditModel
import Hummingbird
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import Prometheus
import ServiceSupport

/// The assembled `ingest` service: schema migrated, registry and token hashes stored, the agency
/// topic consumer, the outbox publisher and the HTTP routes.
public struct IngestService: Sendable {
    /// The configuration it was started with.
    public let configuration: IngestConfiguration
    /// The database.
    public let pool: PostgresPool
    /// The outbox's producer.
    public let producer: KafkaProducer
    /// Publishes `events.accepted` and `events.rejected` from the outbox.
    public let publisher: OutboxPublisher
    /// Consumes the agency topics.
    public let consumer: PipelineConsumer<IngestHandler>
    /// `POST /v1/events`.
    public let routes: IngestRoutes
    private let logger: Logger

    /// Migrates the schema, stores the registry and the token hashes, and builds the parts.
    public static func prepare(configuration: IngestConfiguration, clock: any WallClock,
                               logger: Logger) async throws -> IngestService {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL,
                                                                     poolSize: configuration.poolSize,
                                                                     applicationName: "ingest"), logger: logger)
        do {
            return try await assemble(configuration: configuration, pool: pool, clock: clock, logger: logger)
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    private static func assemble(configuration: IngestConfiguration, pool: PostgresPool, clock: any WallClock,
                                 logger: Logger) async throws -> IngestService {
        let schema = configuration.schema, registry = configuration.registry
        try await pool.migrate(schema: schema, migrations: IngestSchema.migrations)
        let tokens = try await pool.withTransaction { connection in
            try EventStore(schema: schema).storeAgencies(registry, on: connection)
            return try AgencyTokens(plain: configuration.tokens).store(schema: schema, on: connection)
        }
        var producerConfiguration = configuration.kafkaTuning.producer(bootstrapServers: configuration.kafkaBootstrap)
        producerConfiguration.clientID = "ingest"
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let publisher = OutboxPublisher(pool: pool, producer: producer, schema: schema, logger: logger)
        let intake = EventIntake(schema: schema, registry: registry, acceptedTopic: configuration.acceptedTopic,
                                 rejectedTopic: configuration.rejectedTopic)
        var consumerConfiguration = PipelineConsumerConfiguration(topics: [configuration.topics.pattern], schema: schema)
        consumerConfiguration.maxBatch = configuration.maxBatch
        consumerConfiguration.batchLinger = configuration.kafkaTuning.batchLinger
        consumerConfiguration.lingerWhileBelow = configuration.kafkaTuning.batchLingerWhileBelow
        var kafka = configuration.kafkaTuning.consumer(bootstrapServers: configuration.kafkaBootstrap, groupID: configuration.groupID)
        kafka.clientID = "ingest"
        kafka.properties["topic.metadata.refresh.interval.ms"] = "2000"  // see new agency topics quickly
        let consumer = PipelineConsumer(configuration: consumerConfiguration, kafka: kafka, pool: pool,
                                        handler: IngestHandler(intake: intake, topics: configuration.topics, clock: clock),
                                        publisher: publisher, logger: logger)
        let routes = IngestRoutes(intake: intake, tokens: tokens, pool: pool, publisher: publisher, clock: clock,
                                  limits: configuration.httpLimits)
        logger.info("ingest ready", metadata: [
            "schema": "\(schema)", "group": "\(configuration.groupID)", "pattern": "\(configuration.topics.pattern)",
            "agencies": "\(registry.agencies.count)", "tokens": "\(tokens.entries.count)",
        ])
        return IngestService(configuration: configuration, pool: pool, producer: producer, publisher: publisher,
                             consumer: consumer, routes: routes, logger: logger)
    }

    /// The HTTP router: `POST /v1/events`, `/health`, `/metrics`, JSON errors.
    public func router(metrics: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIErrorMiddleware())
        let pool = pool
        OperationsRoutes.add(to: router, service: "ingest", registry: metrics, checks: [
            .postgres(pool),
        ])
        routes.add(to: router)
        return router
    }

    /// Serves HTTP and consumes until SIGTERM/SIGINT, then shuts down gracefully (the consumer
    /// first, then the publisher drains the outbox) and closes the pool and producer.
    public func run(metrics: PrometheusCollectorRegistry) async throws {
        do {
            try await ServiceRunner.run(name: "ingest", http: configuration.http, router: router(metrics: metrics),
                                        services: [publisher, consumer], logger: logger)
        } catch {
            await close()
            throw error
        }
        await close()
    }

    /// Closes the producer and the pool (after `run`, or when a test is done with the parts).
    public func close() async {
        await producer.shutdown()
        await pool.shutdown()
    }
}
