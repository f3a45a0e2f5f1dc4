import CreditModel
import Foundation
import Hummingbird
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import Prometheus
import ServiceLifecycle
import ServiceSupport

/// The `sanctions` service assembled from its configuration: the consumer of score changes,
/// accepted events and receipts, the deadline job, the outbox publisher, and the HTTP routes.
/// `main` runs `services` with `ServiceRunner`; tests run them in a `ServiceGroup`.
public struct SanctionsService: Sendable {
    /// Publishes decisions and notices from the outbox.
    public let publisher: OutboxPublisher
    /// Consumes the input topics.
    public let consumer: PipelineConsumer<SanctionsHandler>
    /// Activates cases whose appeal deadline passed.
    public let deadlines: DeadlineJob
    /// The state machine (tests drive it directly).
    public let engine: CaseEngine
    /// The HTTP API.
    public let routes: SanctionsRoutes
    private let pool: PostgresPool

    /// Builds the parts; the schema must be migrated (`migrate`).
    public init(configuration: SanctionsConfiguration, rulebook: Rulebook, pool: PostgresPool, producer: KafkaProducer,
                clock: any WallClock, logger: Logger) {
        self.pool = pool
        engine = CaseEngine(policies: PolicyEvaluator(rulebook: rulebook), store: CaseStore(schema: configuration.schema),
                            messages: CaseMessages(decisionTopic: configuration.topics.decisions,
                                                   noticeTopic: configuration.topics.notices))
        publisher = OutboxPublisher(pool: pool, producer: producer, schema: configuration.schema, logger: logger)
        var consumerConfiguration = PipelineConsumerConfiguration(topics: configuration.topics.consumed, schema: configuration.schema)
        consumerConfiguration.batchLinger = configuration.kafkaTuning.batchLinger
        consumerConfiguration.lingerWhileBelow = configuration.kafkaTuning.batchLingerWhileBelow
        consumer = PipelineConsumer(
            configuration: consumerConfiguration,
            kafka: configuration.kafkaTuning.consumer(bootstrapServers: configuration.kafkaBootstrap, groupID: configuration.groupID),
            pool: pool, handler: SanctionsHandler(engine: engine, topics: configuration.topics, clock: clock, logger: logger),
            publisher: publisher, logger: logger)
        deadlines = DeadlineJob(engine: engine, pool: pool, clock: clock, interval: configuration.deadlineInterval,
                                publisher: publisher, logger: logger)
        routes = SanctionsRoutes(pool: pool, engine: engine, clock: clock, officers: configuration.officers,
                                 enforcers: configuration.enforcers, publisher: publisher)
    }

    /// Brings `schema` up to date.
    public static func migrate(schema: String, pool: PostgresPool) async throws {
        try await pool.migrate(schema: schema, migrations: SanctionsSchema.migrations)
    }

    /// The long-lived parts in start order; shutdown runs in reverse.
    public var services: [any Service] { [publisher, consumer, deadlines] }

    /// The HTTP routes: `/health`, `/metrics` and the sanctions API.
    public func router(registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(APIErrorMiddleware())
        let pool = pool
        OperationsRoutes.add(to: router, service: "sanctions", registry: registry, checks: [
            .postgres(pool),
        ])
        routes.add(to: router)
        return router
    }
}
