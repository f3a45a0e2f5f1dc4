import CreditModel
import Hummingbird
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import Prometheus
import ServiceLifecycle
import ServiceSupport

/// The `notification` service assembled from its configuration: the request consumer, the
/// delivery worker, the outbox publisher of receipts, and the HTTP routes. `main` runs
/// `services` with `ServiceRunner`; tests run them in a `ServiceGroup`.
public struct NotificationService: Sendable {
    /// Publishes receipts from the outbox.
    public let publisher: OutboxPublisher
    /// Delivers pending notices.
    public let worker: DeliveryWorker
    /// Consumes notice requests.
    public let consumer: PipelineConsumer<NoticeRequestHandler>
    /// The store of the schema.
    public let store: NoticeStore
    private let pool: PostgresPool

    /// Builds the parts; the schema must be migrated (`migrate`).
    public init(configuration: NotificationConfiguration, pool: PostgresPool, producer: KafkaProducer,
                letters: LetterTemplates, clock: any WallClock, logger: Logger) {
        self.pool = pool
        store = NoticeStore(schema: configuration.schema)
        publisher = OutboxPublisher(pool: pool, producer: producer, schema: configuration.schema, logger: logger)
        worker = DeliveryWorker(pool: pool, store: store, receiptTopic: configuration.receiptTopic, routing: configuration.routing,
                                letters: letters, webhook: WebhookSender(timeout: configuration.webhookTimeout),
                                policy: configuration.delivery, clock: clock, publisher: publisher, logger: logger)
        let handler = NoticeRequestHandler(store: store, receiptTopic: configuration.receiptTopic, routing: configuration.routing,
                                           clock: clock, logger: logger)
        consumer = PipelineConsumer(
            configuration: PipelineConsumerConfiguration(topics: [configuration.requestTopic], schema: configuration.schema),
            kafka: configuration.kafkaTuning.consumer(bootstrapServers: configuration.kafkaBootstrap, groupID: configuration.groupID),
            pool: pool, handler: handler, publisher: publisher, logger: logger)
    }

    /// Brings `schema` up to date.
    public static func migrate(schema: String, pool: PostgresPool) async throws {
        try await pool.migrate(schema: schema, migrations: NotificationSchema.migrations)
    }

    /// The long-lived parts in start order; shutdown runs in reverse (consumer, worker, publisher).
    public var services: [any Service] { [publisher, worker, consumer] }

    /// The HTTP routes: `/health`, `/metrics` and the notices of a subject.
    public func router(registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(APIErrorMiddleware())
        let pool = pool
        OperationsRoutes.add(to: router, service: "notification", registry: registry, checks: [
            .postgres(pool),
        ])
        NoticesAPI.add(to: router, store: store, pool: pool)
        return router
    }
}
