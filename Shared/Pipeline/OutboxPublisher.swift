import KafkaClient
import Logging
import Metrics
import PostgresClient
import ServiceLifecycle
import Synchronization

/// Publishes a schema's outbox to Kafka in commit order and deletes what the broker
/// acknowledged (DESIGN §9). Runs as a service beside the consumers.
///
/// Two ways out of the outbox, one loop, so they never overtake each other:
/// - **Handed over** (`publish(_:)`): a consumer that just committed hands over the messages it
///   enqueued, with their positions; they are sent at once, without reading them back, and
///   deleted together about `deleteInterval` later, in one round trip (or by the next pass). On
///   the score path this saves a transaction and two round trips per batch.
/// - **A pass over the table** (`wake()`, and every `idleInterval`): reads the waiting rows in
///   position order, sends them and deletes them in one transaction. A pass goes before anything
///   handed over later, so rows nobody handed over (an HTTP submission, a job, a crash's
///   leftovers, rows of partitions another instance owned) keep their place: the publisher starts
///   with a pass from the start, and a consumer asks for one after each partition assignment and
///   after a commit whose outcome it does not know. A failed send falls back to such a pass too.
///
/// Delivery is at least once: a crash after the broker's ack but before the delete sends the
/// rows again, with the same message ids, and consumers de-duplicate by id. Several instances
/// may run against one schema: a transaction-scoped advisory lock lets one pass run at a time,
/// which keeps each subject's messages in order. A message the broker refuses for good (e.g.
/// larger than `message.max.bytes`) is moved to `outbox_dead` so the rest keeps flowing.
///
/// A pass woken by `wake()` reads only after the last position published; every
/// `rescanInterval` one reads from the start, which picks up a row that took a lower position
/// but committed after a higher one was published.
public final class OutboxPublisher: Service, Sendable {
    private let pool: PostgresPool
    private let producer: KafkaProducer
    private let outbox: Outbox
    private let batchSize: Int
    private let idleInterval: Duration
    private let rescanInterval: Duration
    private let deleteInterval: Duration
    private let cursor = Atomic<Int64>(0)
    private let handover = Mutex(Handover())
    private let handedOverSent = Atomic<Int>(0)
    private let passes = Atomic<Int>(0)
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
                idleInterval: Duration = .milliseconds(200), rescanInterval: Duration = .seconds(1),
                deleteInterval: Duration = .milliseconds(50), backoff: Backoff = Backoff(),
                shutdownTimeout: Duration = .seconds(5), logger: Logger) {
        self.pool = pool
        self.producer = producer
        outbox = Outbox(schema: schema)
        self.batchSize = batchSize
        self.idleInterval = idleInterval
        self.rescanInterval = rescanInterval
        self.deleteInterval = deleteInterval
        self.backoff = backoff
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
        published = Counter(label: "outbox_published_total", dimensions: [("schema", schema)])
        failures = Counter(label: "outbox_publish_failures_total", dimensions: [("schema", schema)])
        deadLetters = Counter(label: "outbox_dead_letters_total", dimensions: [("schema", schema)])
        duration = Metrics.Timer(label: "outbox_publish_duration_seconds", dimensions: [("schema", schema)])
    }

    /// Asks for a pass over the outbox before anything handed over later is sent: call it after
    /// a commit that enqueued messages not handed to ``publish(_:)``. `fromStart` reads from the
    /// first position, not after the last one published: after a partition assignment (the
    /// previous owner's rows may be older) or a commit whose outcome is unknown.
    public func wake(fromStart: Bool = false) {
        handover.withLock { state in
            state.pass = max(state.pass ?? .afterCursor, fromStart ? .fromStart : .afterCursor)
        }
        doorbell.ring()
    }

    /// Hands over messages a transaction enqueued, after it committed: they are sent at once,
    /// in the order handed over, unless a pass is due first. Without their positions (see
    /// ``Outbox/Enqueued/pending()``), or when more than 8 batches wait already, a pass publishes
    /// them instead.
    public func publish(_ enqueued: Outbox.Enqueued) {
        guard let pending = enqueued.pending() else {
            // Not expected (handed over before the commit, or an insert answer that does not
            // match): the rows are in the table, and a pass publishes them.
            logger.warning("outbox messages handed over without their positions; a pass publishes them",
                           metadata: ["messages": "\(enqueued.messages.count)"])
            return wake()
        }
        guard !pending.isEmpty else { return }
        let limit = 8 * batchSize
        handover.withLock { state in
            if state.queue.count + pending.count <= limit {
                state.queue += pending
            } else {
                // Sending is stuck (passes failing and backing off): the rows wait in the table,
                // not in memory, and a pass from the start publishes them in order.
                state.queue.removeAll()
                state.pass = .fromStart
            }
        }
        doorbell.ring()
    }

    /// Messages sent as handed over, without a pass (for tests and diagnostics).
    public var sentAsHandedOver: Int { handedOverSent.load(ordering: .relaxed) }

    /// Messages handed over and waiting to be sent (for tests and diagnostics).
    public var handedOverWaiting: Int { handover.withLock { $0.queue.count } }

    /// Passes over the table that committed (for tests and diagnostics).
    public var passesCompleted: Int { passes.load(ordering: .relaxed) }

    /// Publishes until graceful shutdown, then drains what is left and flushes the producer,
    /// for at most `shutdownTimeout` after graceful shutdown began (a batch waiting for acks from
    /// brokers that are gone must not hold the service up); what is not acknowledged by then
    /// stays in the outbox for the next start. Returns at once when cancelled.
    public func run() async throws {
        let shutdownTimeout = shutdownTimeout, doorbell = doorbell, tick = min(idleInterval, deleteInterval)
        let result = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await self.publishUntilShutdown())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {  // the loop looks around: for sent rows to delete, rows nobody announced, shutdown
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    doorbell.ring()
                }
                return nil
            }
            group.addTask {  // nil: the time for draining is up (or the service is cancelled)
                guard (try? await gracefulShutdown()) != nil else { return nil }
                doorbell.ring()  // the loop sees the shutdown now, not at the next idle ring
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
        var loop = LoopState()
        var attempt = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let now = ContinuousClock.now
                switch nextWork(loop, now: now) {
                case .pass(let kind):
                    do {
                        try await pass(kind, loop: &loop)
                    } catch {
                        // Not done: it still goes before anything handed over.
                        handover.withLock { $0.pass = max($0.pass ?? kind, kind) }
                        throw error
                    }
                case .send(let rows):
                    await send(rows, loop: &loop)
                case .delete:
                    try await deleteSent(loop: &loop)
                case .wait:
                    await doorbell.wait()
                }
                attempt = 0
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
            var deleting = loop.sent, after: Int64 = 0
            while let last = try await publishBatch(after: after, deleting: &deleting).handled.max(), last > after { after = last }
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

    /// What the loop does next: a requested pass, else what was handed over, else a periodic pass
    /// when one is due (rows nobody announced; deleting what was sent), else wait.
    private func nextWork(_ loop: LoopState, now: ContinuousClock.Instant) -> Work {
        let work = handover.withLock { state -> Work? in
            if let pass = state.pass {
                state.pass = nil
                return .pass(pass)
            }
            guard !state.queue.isEmpty else { return nil }
            defer { state.queue.removeAll(keepingCapacity: true) }
            return .send(state.queue)
        }
        if let work { return work }
        if now - loop.lastPass >= idleInterval { return .pass(.afterCursor) }
        if !loop.sent.isEmpty && now - loop.lastDelete >= deleteInterval { return .delete }
        return .wait
    }

    /// Deletes what was sent as handed over: one transaction, one round trip, no lock (the rows
    /// are this publisher's alone), and no read, so rows nobody handed over wait for a pass.
    private func deleteSent(loop: inout LoopState) async throws {
        let outbox = outbox, sent = loop.sent
        try await pool.withTransaction { connection in
            try connection.commitWithoutWaitingForFlush()  // a lost delete only publishes again
            try outbox.remove(sent, on: connection)
        }
        loop.sent.removeAll()
        loop.lastDelete = .now
    }

    /// A pass over the table, which also deletes what was sent as handed over. What it sent
    /// leaves the queue. When it read a full batch, the next pass goes on right after that
    /// batch (not after the last position published, which handed-over rows may have moved past
    /// rows still waiting) and comes before anything handed over.
    private func pass(_ kind: PassKind, loop: inout LoopState) async throws {
        let now = ContinuousClock.now
        if kind == .fromStart { loop.resumeAfter = nil }  // asked to start over: rows below may be new
        let fromStart = loop.resumeAfter == nil && (kind == .fromStart || now - loop.lastFromStart >= rescanInterval)
        let after = loop.resumeAfter ?? (fromStart ? 0 : cursor.load(ordering: .relaxed))
        let outcome = try await publishBatch(after: after, deleting: &loop.sent)
        loop.lastPass = now
        loop.lastDelete = now
        if fromStart { loop.lastFromStart = now }
        let full = outcome.handled.count == batchSize
        loop.resumeAfter = full ? outcome.handled.max() : nil
        let handled = Set(outcome.handled)
        handover.withLock { state in
            if !handled.isEmpty { state.queue.removeAll { handled.contains($0.seq) } }
            if full { state.pass = max(state.pass ?? .afterCursor, .afterCursor) }
        }
    }

    /// Sends rows as handed over. On failure they stay in the table, and a pass from the start
    /// sends them again in order (splitting out a message the broker refuses, retrying with
    /// backoff, or stopping the service on a fatal error, as for any pass).
    private func send(_ rows: [Outbox.Pending], loop: inout LoopState) async {
        let start = ContinuousClock.now
        do {
            _ = try await producer.send(rows.map(Self.kafkaMessage))
        } catch {
            // Once per outage, not per batch: nothing handed over is sent before the pass succeeds.
            logger.warning("sending handed-over outbox messages failed; a pass over the table sends them",
                           metadata: ["error": "\(error)", "messages": "\(rows.count)"])
            handover.withLock { state in
                state.queue.removeAll()
                state.pass = .fromStart
            }
            return
        }
        loop.sent += rows.map(\.seq)
        advanceCursor(to: rows.map(\.seq).max())
        handedOverSent.add(rows.count, ordering: .relaxed)
        published.increment(by: rows.count)
        duration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
    }

    /// Publishes the oldest waiting messages (up to `batchSize`; with `fromStart` false, only
    /// those after the last position published) and deletes them once every one is acknowledged.
    /// A message the broker refuses for good (see `isRefusal`) is found by splitting the batch and
    /// moved to `outbox_dead`, with an error log and `outbox_dead_letters_total`; the others are
    /// published in order. Returns how many messages left the outbox (published or moved).
    @discardableResult
    public func publishBatch(fromStart: Bool = true) async throws -> Int {
        var deleting: [Int64] = []
        return try await publishBatch(after: fromStart ? 0 : cursor.load(ordering: .relaxed), deleting: &deleting).handled.count
    }

    /// Publishes the oldest waiting messages after position `after`, deleting the rows at
    /// `deleting` (sent already) in the same transaction, before reading; `deleting` is emptied
    /// once that committed.
    private func publishBatch(after: Int64, deleting: inout [Int64]) async throws -> PublishOutcome {
        let outbox = outbox, producer = producer, batchSize = batchSize, sent = deleting
        let start = ContinuousClock.now
        let outcome = try await pool.withTransaction { connection -> PublishOutcome in
            try connection.commitWithoutWaitingForFlush()  // a lost delete only publishes again
            try connection.executeDeferred(.genericPlan("SELECT pg_advisory_xact_lock(hashtext(\(outbox.schema + ".outbox")))"))
            try outbox.remove(sent, on: connection)
            let pending = try outbox.pending(after: after, limit: batchSize, on: connection)
            var outcome = PublishOutcome()
            if !pending.isEmpty {
                try await Self.publish(pending[...], producer: producer, outbox: outbox, outcome: &outcome, on: connection)
            }
            return outcome
        }
        deleting.removeAll()
        passes.add(1, ordering: .relaxed)
        for (message, error) in outcome.buried {
            logger.error("outbox message refused by the broker for good; moved to outbox_dead", metadata: [
                "message_id": "\(message.id.uuidString.lowercased())", "topic": "\(message.topic)",
                "bytes": "\(message.payload.count)", "error": "\(error)",
            ])
        }
        if !outcome.handled.isEmpty {
            advanceCursor(to: outcome.handled.max())
            duration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        }
        if outcome.published > 0 { published.increment(by: outcome.published) }
        if !outcome.buried.isEmpty { deadLetters.increment(by: outcome.buried.count) }
        return outcome
    }

    /// Moves the last position published forward to `position` (never back).
    private func advanceCursor(to position: Int64?) {
        if let position, position > cursor.load(ordering: .relaxed) { cursor.store(position, ordering: .relaxed) }
    }

    /// The Kafka message for an outbox row: keyed by subject, with its id in a header.
    private static func kafkaMessage(_ entry: Outbox.Pending) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(topic: entry.message.topic, key: Array(entry.message.key.utf8), value: entry.message.payload,
                             headers: [KafkaHeader(name: "message-id", string: entry.message.id.lowercasedText)])
    }

    /// Sends `rows` in order and deletes them once all are acknowledged. When the broker refuses
    /// one for good, sends each half again, in order, until the refused rows are alone, and
    /// moves those to `outbox_dead`. Rows of a failed half that did get through are sent again:
    /// delivery is at least once anyway, and consumers de-duplicate by message id.
    private static func publish(_ rows: ArraySlice<Outbox.Pending>, producer: KafkaProducer, outbox: Outbox,
                                outcome: inout PublishOutcome, on connection: isolated PostgresConnection) async throws {
        do {
            _ = try await producer.send(rows.map(kafkaMessage))
            try outbox.remove(rows.map(\.seq), on: connection)
            outcome.published += rows.count
            outcome.handled += rows.map(\.seq)
        } catch let error as KafkaError where isRefusal(error) {
            guard rows.count > 1 else {
                let row = rows[rows.startIndex]
                try outbox.bury(row.seq, error: "\(error)", on: connection)
                outcome.buried.append((row.message, error))
                outcome.handled.append(row.seq)
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
    /// The positions handled (published or moved).
    var handled: [Int64] = []
}

/// Which rows a pass reads.
private enum PassKind: Comparable {
    /// After the last position published.
    case afterCursor
    /// From the first position.
    case fromStart
}

/// What consumers handed over, and whether a pass must come first.
private struct Handover {
    /// Committed messages to send as they are, in the order handed over.
    var queue: [Outbox.Pending] = []
    /// A pass that must run before the queue is sent; the first one reads from the start
    /// (rows a crash left).
    var pass: PassKind? = .fromStart
}

/// The publishing loop's own bookkeeping.
private struct LoopState {
    /// Positions sent as handed over and acknowledged, still in the table until the next pass.
    var sent: [Int64] = []
    /// Where the next pass goes on after one that read a full batch; nil when none did.
    var resumeAfter: Int64?
    /// When the last pass ran, the last one from the start, and the last delete of sent rows.
    var lastPass = ContinuousClock.now
    var lastFromStart = ContinuousClock.now
    var lastDelete = ContinuousClock.now
}

/// One step of the publishing loop.
private enum Work {
    case pass(PassKind)
    case send([Outbox.Pending])
    case delete
    case wait
}
