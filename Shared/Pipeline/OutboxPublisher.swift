import KafkaClient
import Logging
import Metrics
import PostgresClient
import ServiceLifecycle
import Synchronization

/// Publishes a schema's outbox to Kafka in commit order and deletes what the broker
/// acknowledged (DESIGN §9). Runs as a service beside the consumers; `wake()` after a commit
/// makes it publish at once, and it also looks every `idleInterval` for rows left by a crash.
///
/// Delivery is at least once: a crash after the broker's ack but before the delete sends the
/// rows again, with the same message ids, and consumers de-duplicate by id. Several instances
/// may run against one schema: a transaction-scoped advisory lock lets one publish at a time,
/// which keeps each subject's messages in order. A message the broker refuses for good (e.g.
/// larger than `message.max.bytes`) is moved to `outbox_dead` so the rest keeps flowing.
///
/// Woken after a commit, it reads only after the last position it published; every
/// `rescanInterval` it reads from the start, which picks up a row that took a lower position
/// but committed after a higher one was published.
public final class OutboxPublisher: Service, Sendable {
    private let pool: PostgresPool
    private let producer: KafkaProducer
    private let outbox: Outbox
    private let batchSize: Int
    private let idleInterval: Duration
    private let rescanInterval: Duration
    private let cursor = Atomic<Int64>(0)
    private let backoff: Backoff
    private let shutdownTimeout: Duration
    private let doorbell = Doorbell()
    private let logger: Logger
    private let published: Counter
    private let failures: Counter
    private let deadLetters: Counter
    private let duration: Metrics.Timer

    /// Creates a publisher of `schema`'s outbox through `producer`; at graceful shutdown it
    /// drains and flushes for at most `shutdownTimeout`.
    public init(pool: PostgresPool, producer: KafkaProducer, schema: String, batchSize: Int = 2000,
                idleInterval: Duration = .milliseconds(200), rescanInterval: Duration = .seconds(1), backoff: Backoff = Backoff(),
                shutdownTimeout: Duration = .seconds(5), logger: Logger) {
        self.pool = pool
        self.producer = producer
        outbox = Outbox(schema: schema)
        self.batchSize = batchSize
        self.idleInterval = idleInterval
        self.rescanInterval = rescanInterval
        self.backoff = backoff
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        published = Counter(label: "outbox_published_total", dimensions: [("schema", schema)])
        failures = Counter(label: "outbox_publish_failures_total", dimensions: [("schema", schema)])
        deadLetters = Counter(label: "outbox_dead_letters_total", dimensions: [("schema", schema)])
        duration = Metrics.Timer(label: "outbox_publish_duration_seconds", dimensions: [("schema", schema)])
    }

    /// Asks the publisher to look at the outbox now (call after a commit that enqueued messages).
    public func wake() { doorbell.ring() }

    /// Publishes until graceful shutdown, then drains what is left and flushes the producer,
    /// for at most `shutdownTimeout` after graceful shutdown began (a batch waiting for acks from
    /// brokers that are gone must not hold the service up); what is not acknowledged by then
    /// stays in the outbox for the next start. Returns at once when cancelled.
    public func run() async throws {
        let shutdownTimeout = shutdownTimeout, idleInterval = idleInterval, doorbell = doorbell
        let result = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await self.publishUntilShutdown())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {  // every `idleInterval`: look for rows nobody announced, and for shutdown
                while !Task.isCancelled {
                    try? await Task.sleep(for: idleInterval)
                    doorbell.ring()
                }
                return nil
            }
            group.addTask {  // nil: the time for draining is up (or the service is cancelled)
                guard (try? await gracefulShutdown()) != nil else { return nil }
                try? await Task.sleep(for: shutdownTimeout)
                return nil
            }
            while let next = await group.next() {
                group.cancelAll()
                if let result = next { return result }
            }
            return .success(())
        }
        try result.get()
    }

    /// The publishing loop, then the drain and flush at graceful shutdown.
    private func publishUntilShutdown() async throws {
        var attempt = 0
        var lastScanFromStart = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let fromStart = ContinuousClock.now - lastScanFromStart >= rescanInterval
                if fromStart { lastScanFromStart = .now }
                let count = try await publishBatch(fromStart: fromStart)
                attempt = 0
                if count < batchSize { await doorbell.wait() }
            } catch where Task.isCancelled {
                logger.warning("outbox publishing stopped at shutdown before the brokers acknowledged; the rows stay for the next start",
                               metadata: ["error": "\(error)"])
                return
            } catch where Retriable.isRetriable(error) {
                failures.increment()
                logger.warning("outbox publish failed; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
        let deadline = ContinuousClock.now + shutdownTimeout
        do {
            while try await publishBatch() == batchSize {}
        } catch {
            logger.warning("outbox not drained at shutdown; the rows stay for the next start", metadata: ["error": "\(error)"])
        }
        guard !Task.isCancelled else { return }
        do {
            try await producer.flush(timeout: max(deadline - .now, .milliseconds(100)))
        } catch {
            logger.warning("producer flush at shutdown failed; unacknowledged rows stay in the outbox", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes the oldest waiting messages (up to `batchSize`; with `fromStart` false, only
    /// those after the last position published) and deletes them once every one is acknowledged. A message the broker refuses for good (see `isRefusal`) is found by
    /// splitting the batch and moved to `outbox_dead`, with an error log and
    /// `outbox_dead_letters_total`; the others are published in order. Returns how many messages
    /// left the outbox (published or moved).
    @discardableResult
    public func publishBatch(fromStart: Bool = true) async throws -> Int {
        let outbox = outbox, producer = producer, batchSize = batchSize
        let after = fromStart ? 0 : cursor.load(ordering: .relaxed)
        let start = ContinuousClock.now
        let outcome = try await pool.withTransaction { connection -> PublishOutcome in
            try connection.commitWithoutWaitingForFlush()  // a lost delete only publishes again
            try connection.executeDeferred(.genericPlan("SELECT pg_advisory_xact_lock(hashtext(\(outbox.schema + ".outbox")))"))
            let pending = try outbox.pending(after: after, limit: batchSize, on: connection)
            var outcome = PublishOutcome()
            if !pending.isEmpty {
                try await Self.publish(pending[...], producer: producer, outbox: outbox, outcome: &outcome, on: connection)
                outcome.lastSeq = pending.last?.seq
            }
            return outcome
        }
        for (message, error) in outcome.buried {
            logger.error("outbox message refused by the broker for good; moved to outbox_dead", metadata: [
                "message_id": "\(message.id.uuidString.lowercased())", "topic": "\(message.topic)",
                "bytes": "\(message.payload.count)", "error": "\(error)",
            ])
        }
        if let last = outcome.lastSeq {
            cursor.store(last, ordering: .relaxed)
            duration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
        if outcome.published > 0 { published.increment(by: outcome.published) }
        if !outcome.buried.isEmpty { deadLetters.increment(by: outcome.buried.count) }
        return outcome.published + outcome.buried.count
    }

    /// Sends `rows` in order and deletes them once all are acknowledged. When the broker refuses
    /// one for good, sends each half again, in order, until the refused rows are alone, and
    /// moves those to `outbox_dead`. Rows of a failed half that did get through are sent again:
    /// delivery is at least once anyway, and consumers de-duplicate by message id.
    private static func publish(_ rows: ArraySlice<Outbox.Pending>, producer: KafkaProducer, outbox: Outbox,
                                outcome: inout PublishOutcome, on connection: isolated PostgresConnection) async throws {
        do {
            _ = try await producer.send(rows.map { entry in
                KafkaOutgoingMessage(topic: entry.message.topic, key: Array(entry.message.key.utf8), value: entry.message.payload,
                                     headers: [KafkaHeader(name: "message-id", string: entry.message.id.lowercasedText)])
            })
            try outbox.remove(rows.map(\.seq), on: connection)
            outcome.published += rows.count
        } catch let error as KafkaError where isRefusal(error) {
            guard rows.count > 1 else {
                let row = rows[rows.startIndex]
                try outbox.bury(row.seq, error: "\(error)", on: connection)
                outcome.buried.append((row.message, error))
                return
            }
            let middle = rows.startIndex + rows.count / 2
            try await publish(rows[..<middle], producer: producer, outbox: outbox, outcome: &outcome, on: connection)
            try await publish(rows[middle...], producer: producer, outbox: outbox, outcome: &outcome, on: connection)
        }
    }

    /// Whether `error` may be a message's own fault, which no retry can cure (e.g.
    /// `MSG_SIZE_TOO_LARGE`, an invalid record): not retriable, not fatal for the producer, and
    /// not about the producer, the topic or the credentials, which would fail every message alike
    /// and stay errors of `run` (the service stops loudly instead of burying good messages).
    static func isRefusal(_ error: KafkaError) -> Bool {
        !error.isRetriable && !error.isFatal && !notTheMessagesFault.contains(error.code)
    }

    private static let notTheMessagesFault: Set<KafkaError.Code> = [
        .destroyed, .fatal, .purgedFromQueue, .purgedInFlight, .unknownTopicOrPartition,
        KafkaError.Code(rawValue: -188),  // _UNKNOWN_TOPIC
        KafkaError.Code(rawValue: -190),  // _UNKNOWN_PARTITION
        KafkaError.Code(rawValue: -169),  // _AUTHENTICATION
        KafkaError.Code(rawValue: 29),    // TOPIC_AUTHORIZATION_FAILED
        KafkaError.Code(rawValue: 31),    // CLUSTER_AUTHORIZATION_FAILED
        KafkaError.Code(rawValue: 53),    // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    ]
}

/// What one `publishBatch` transaction did.
private struct PublishOutcome: Sendable {
    /// Messages acknowledged and deleted.
    var published = 0
    /// Messages moved to `outbox_dead`, with the broker's refusal.
    var buried: [(OutboxMessage, KafkaError)] = []
    /// The last position handled (published or moved).
    var lastSeq: Int64?
}
