import KafkaClient
import Logging
import Metrics
import PostgresClient
import ServiceLifecycle

/// Publishes a schema's outbox to Kafka in commit order and deletes what the broker
/// acknowledged (DESIGN §9). Runs as a service beside the consumers; `wake()` after a commit
/// makes it publish at once, and it also looks every `idleInterval` for rows left by a crash.
///
/// Delivery is at least once: a crash after the broker's ack but before the delete sends the
/// rows again, with the same message ids, and consumers de-duplicate by id. Several instances
/// may run against one schema: a transaction-scoped advisory lock lets one publish at a time,
/// which keeps each subject's messages in order.
public final class OutboxPublisher: Service, Sendable {
    private let pool: PostgresPool
    private let producer: KafkaProducer
    private let outbox: Outbox
    private let batchSize: Int
    private let idleInterval: Duration
    private let backoff: Backoff
    private let doorbell = Doorbell()
    private let logger: Logger
    private let published: Counter
    private let failures: Counter

    /// Creates a publisher of `schema`'s outbox through `producer`.
    public init(pool: PostgresPool, producer: KafkaProducer, schema: String, batchSize: Int = 2000,
                idleInterval: Duration = .milliseconds(200), backoff: Backoff = Backoff(), logger: Logger) {
        self.pool = pool
        self.producer = producer
        outbox = Outbox(schema: schema)
        self.batchSize = batchSize
        self.idleInterval = idleInterval
        self.backoff = backoff
        self.logger = logger
        published = Counter(label: "outbox_published_total", dimensions: [("schema", schema)])
        failures = Counter(label: "outbox_publish_failures_total", dimensions: [("schema", schema)])
    }

    /// Asks the publisher to look at the outbox now (call after a commit that enqueued messages).
    public func wake() { doorbell.ring() }

    /// Publishes until graceful shutdown, then drains what is left and flushes the producer.
    public func run() async throws {
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let count = try await publishBatch()
                attempt = 0
                if count < batchSize { await doorbell.wait(timeout: idleInterval) }
            } catch where Retriable.isRetriable(error) {
                failures.increment()
                logger.warning("outbox publish failed; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
        do {
            while try await publishBatch() == batchSize {}
        } catch {
            logger.warning("outbox not drained at shutdown; the rows stay for the next start", metadata: ["error": "\(error)"])
        }
        do {
            try await producer.flush(timeout: .seconds(10))
        } catch {
            logger.warning("producer flush at shutdown failed; unacknowledged rows stay in the outbox", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the oldest waiting messages (up to `batchSize`) and deletes them once every
    /// one is acknowledged. Returns how many it published.
    @discardableResult
    public func publishBatch() async throws -> Int {
        let outbox = outbox, producer = producer, batchSize = batchSize
        let count = try await pool.withTransaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext(\(outbox.schema + ".outbox")))")
            let pending = try outbox.pending(limit: batchSize, on: connection)
            guard !pending.isEmpty else { return 0 }
            _ = try await producer.send(pending.map { entry in
                KafkaOutgoingMessage(topic: entry.message.topic, key: Array(entry.message.key.utf8), value: entry.message.payload,
                                     headers: [KafkaHeader(name: "message-id", string: entry.message.id.lowercasedText)])
            })
            try outbox.remove(pending.map(\.seq), on: connection)
            return pending.count
        }
        if count > 0 { published.increment(by: count) }
        return count
    }
}
