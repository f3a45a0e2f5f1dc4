import KafkaClient
import Logging
import Metrics
import PostgresClient
import ServiceLifecycle

/// Settings of a `PipelineConsumer`.
public struct PipelineConsumerConfiguration: Sendable {
    /// Topics to consume; a name starting with `^` is a pattern (e.g. every agency topic).
    public var topics: [String]
    /// The service's schema, holding `consumer_offsets` and `outbox`.
    public var schema: String
    /// Most messages handled in one transaction.
    public var maxBatch: Int = 2000
    /// How long one poll waits for messages when none are ready.
    public var pollTimeout: Duration = .milliseconds(100)
    /// How long a batch that is not full waits for more messages after its first ones arrived
    /// (zero: it goes as it is). At moderate load batches are small and their fixed costs
    /// (transaction, round trips, produce request, thread switches) dominate; a few
    /// milliseconds more per hop let them fill.
    public var batchLinger: Duration = .zero
    /// A batch lingers only while it holds fewer messages than this (like Kafka's
    /// `fetch.min.bytes`): a batch this large has spread its fixed costs already, and waiting
    /// would only add latency. A burst (agencies that publish in batches) then goes at once.
    public var lingerWhileBelow: Int = 64
    /// Transactions a batch is split into, run at once on as many connections, so that a burst
    /// is applied in about 1/`lanes` of the time when the database has cores to spare. The split
    /// is by message key (the subject code): one key's messages stay in one lane, in order,
    /// which is the only order the topics promise (DESIGN §2). 1: every batch is one transaction.
    public var lanes: Int = 1
    /// A batch is split only into lanes of at least this many messages: below it, a
    /// transaction's fixed costs (round trips, commit, thread switches) outweigh the overlap.
    public var messagesPerLane: Int = 32
    /// Retry policy for transient failures.
    public var backoff = Backoff()
    /// How often the consumer lag metric is refreshed.
    public var lagInterval: Duration = .seconds(5)
    /// How long one request for the cluster id waits at start; the consumer asks again until a
    /// broker answers (see `PipelineConsumer`).
    public var clusterIDTimeout: Duration = .seconds(5)
    /// Longest wait for leaving the group at shutdown (the coordinator may be gone). Offsets
    /// live in PostgreSQL, so a member that left unannounced only delays the next rebalance.
    public var closeTimeout: Duration = .seconds(5)

    /// Creates a configuration for `topics` in `schema`.
    public init(topics: [String], schema: String) {
        self.topics = topics
        self.schema = schema
    }
}

/// The reliability pattern of DESIGN §9 as a service: consume a batch; in one PostgreSQL
/// transaction apply it (`BatchHandler`), store the outgoing messages in the outbox and the
/// consumed offsets; commit; hand the outgoing messages to the outbox publisher. On assignment
/// it starts from the offsets stored in PostgreSQL (Kafka's committed offsets are never used).
/// A stored offset outside the broker's log is reported loudly (error log,
/// `pipeline_offset_gaps_total`): below the log start, messages were lost to retention; beyond
/// its end, the broker was reset (the dev broker starts empty). Either way the consumer carries
/// on from the log's start.
///
/// Transient failures retry the same batch with backoff, offsets unmoved. A permanent failure
/// splits the batch so that only the message causing it becomes a dead letter.
public final class PipelineConsumer<Handler: BatchHandler>: Service, Sendable {
    private let configuration: PipelineConsumerConfiguration
    private let kafka: KafkaConsumerConfiguration
    private let pool: PostgresPool
    private let handler: Handler
    private let publisher: OutboxPublisher?
    private let logger: Logger
    private let offsets: OffsetStore
    private let outbox: Outbox
    private let metrics: PipelineMetrics

    /// Creates the consumer; `publisher` gets the messages of every commit.
    public init(configuration: PipelineConsumerConfiguration, kafka: KafkaConsumerConfiguration, pool: PostgresPool,
                handler: Handler, publisher: OutboxPublisher?, logger: Logger) {
        self.configuration = configuration
        self.kafka = kafka
        self.pool = pool
        self.handler = handler
        self.publisher = publisher
        self.logger = logger
        offsets = OffsetStore(schema: configuration.schema, group: kafka.groupID)
        outbox = Outbox(schema: configuration.schema)
        metrics = PipelineMetrics(group: kafka.groupID)
    }

    /// Consumes until graceful shutdown, then leaves the group cleanly.
    public func run() async throws {
        let pool = pool, offsets = offsets, logger = logger, publisher = publisher
        let consumer = try KafkaConsumer(configuration: kafka, logger: logger, onAssign: { partitions in
            let stored = try await pool.withConnection { try await offsets.load(partitions, on: $0) }
            // The previous owner's last messages may still wait in the outbox: they go first.
            publisher?.wake(fromStart: true)
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.count)", "with_stored_offsets": "\(stored.count)"])
            return stored
        }, onRevoke: { partitions in
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions.count)"])
        })
        guard try await adoptCluster(consumer) else {
            await close(consumer)
            return
        }
        try await consumer.subscribe(topics: configuration.topics)
        var lastLag = ContinuousClock.now
        var pollFailures = 0
        // A poll that failed while a batch lingered: the batch is committed first, then the
        // error is handled like any poll's.
        var lingerFailure: (any Error)?
        do {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var batch: [KafkaMessage]
                do {
                    if let failure = lingerFailure {
                        lingerFailure = nil
                        throw failure
                    }
                    batch = try await consumer.poll(maxMessages: configuration.maxBatch, timeout: configuration.pollTimeout)
                } catch let error as KafkaError where error.code == .offsetOutOfRange {
                    metrics.offsetGaps.increment()
                    logger.error("stored offset outside the broker's log (messages lost to retention, or the broker was reset); continuing from the log start",
                                 metadata: ["error": "\(error)"])
                    continue
                } catch where Retriable.isRetriable(error) {
                    // E.g. the assignment hook could not read offsets while PostgreSQL restarts:
                    // the consumer retries the assignment on the next poll.
                    metrics.retries.increment()
                    logger.warning("poll failed with a transient error; retrying",
                                   metadata: ["error": "\(error)", "attempt": "\(pollFailures)"])
                    try? await Task.sleep(for: configuration.backoff.delay(attempt: pollFailures))
                    pollFailures += 1
                    continue
                }
                pollFailures = 0
                if !batch.isEmpty && batch.count < min(configuration.maxBatch, configuration.lingerWhileBelow)
                    && configuration.batchLinger > .zero {
                    // A sleep, then a poll of what was fetched meanwhile, is cheaper than lingering
                    // inside a blocking poll, where each partition's arrival wakes the polling
                    // thread: on the embedded stack at a paced 3,000 events/s, ingest switched
                    // threads 5,073 and 5,161 times/s that way against 4,694 and 4,727.
                    try? await Task.sleep(for: configuration.batchLinger)  // cancelled: the batch goes as it is
                    do {
                        // What arrived meanwhile (already fetched: no wait).
                        batch += try await consumer.poll(maxMessages: configuration.maxBatch - batch.count, timeout: .zero)
                    } catch {
                        lingerFailure = error
                    }
                }
                if !batch.isEmpty { try await commitInLanes(batch) }
                if ContinuousClock.now - lastLag > configuration.lagInterval {
                    lastLag = .now
                    await reportLag(consumer)
                }
            }
        } catch {
            await close(consumer)
            throw error
        }
        await close(consumer)
    }

    /// Leaves the group, waiting at most `closeTimeout` (and not at all once cancelled).
    private func close(_ consumer: KafkaConsumer) async {
        let timeout = configuration.closeTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await consumer.close() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Ties the stored offsets to the cluster they came from: after a broker reset (a new cluster
    /// id) the old offsets are discarded, loudly, so no message of the new log is skipped.
    ///
    /// Waits for the cluster id while no broker answers (warning every attempt): it cannot
    /// consume without a broker anyway, and going on with offsets of an unknown cluster could
    /// skip the start of a reset broker's new log once that log has grown past them. Returns
    /// false when shutdown came first.
    private func adoptCluster(_ consumer: KafkaConsumer) async throws -> Bool {
        guard let cluster = try await clusterID(of: consumer) else { return false }
        let offsets = offsets
        let previous = try await transactionRetried("recording the Kafka cluster") { try offsets.adopt(cluster: cluster, on: $0) }
        if let previous {
            metrics.offsetGaps.increment()
            logger.error("the Kafka cluster changed (broker reset?): stored offsets belonged to another log and were discarded; reading from the start",
                         metadata: ["previous_cluster": "\(previous)", "cluster": "\(cluster)"])
        } else {
            logger.info("consuming from Kafka cluster", metadata: ["cluster": "\(cluster)"])
        }
        return true
    }

    /// The brokers' cluster id, asked for again every `clusterIDTimeout` until one answers; nil
    /// when shutdown came first.
    private func clusterID(of consumer: KafkaConsumer) async throws -> String? {
        var attempts = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let cluster = try await consumer.clusterID(timeout: configuration.clusterIDTimeout) { return cluster }
            attempts += 1
            logger.warning("no Kafka broker reported a cluster id yet; waiting for it before consuming (stored offsets belong to one cluster)",
                           metadata: ["attempt": "\(attempts)", "waited": "\(configuration.clusterIDTimeout * attempts)"])
        }
        return nil
    }

    /// Commits `batch`, in one transaction or, when it is large enough, in lanes (``BatchLanes``)
    /// at once. Lanes commit without the offsets; one more transaction stores them once every
    /// lane committed. A failure between the two leaves the offsets behind what committed, so
    /// those messages are seen again, which the handlers' unique constraints absorb (as after a
    /// crash). Storing the offsets in a lane instead could let a crash skip another lane's
    /// messages; waiting inside one lane for the others could wait on a row lock they hold.
    private func commitInLanes(_ batch: [KafkaMessage]) async throws {
        let lanes = BatchLanes.split(batch, into: configuration.lanes, atLeast: configuration.messagesPerLane)
        guard lanes.count > 1 else { return try await commit(batch, savingOffsets: true) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in lanes { group.addTask { try await self.commit(lane, savingOffsets: false) } }
            try await group.waitForAll()
        }
        let offsets = offsets, next = Self.nextOffsets(batch)
        try await transactionRetried("storing a batch's offsets") { connection in
            try connection.commitWithoutWaitingForFlush()
            try offsets.save(next, on: connection)
        }
    }

    /// Runs `body` in a transaction until it commits, retrying a transient failure with
    /// backoff (logged and counted as a retry), unless the service is shutting down.
    private func transactionRetried<T: Sendable>(_ what: String, _ body: @Sendable (isolated PostgresConnection) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await pool.withTransaction { try body($0) }
            } catch where Retriable.isRetriable(error) && !Task.isShuttingDownGracefully && !Task.isCancelled {
                metrics.retries.increment()
                logger.warning("\(what) failed with a transient error; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: configuration.backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Applies `batch` with retries and hands its messages to the publisher; isolates and
    /// dead-letters a message that fails permanently. With `savingOffsets` the same
    /// transactions store the batch's offsets (and a dead letter's).
    private func commit(_ batch: [KafkaMessage], savingOffsets: Bool) async throws {
        var attempt = 0
        while true {
            do {
                let start = ContinuousClock.now
                let enqueued = try await apply(batch, savingOffsets: savingOffsets)
                metrics.batchDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                metrics.messages.increment(by: batch.count)
                publisher?.publish(enqueued)
                return
            } catch where Retriable.isRetriable(error) {
                // The commit itself may have gone through (a connection lost while committing):
                // its messages then wait in the outbox, and must go before the retry's.
                publisher?.wake(fromStart: true)
                metrics.retries.increment()
                logger.warning("batch failed with a transient error; retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                if Task.isShuttingDownGracefully || Task.isCancelled { throw error }
                try? await Task.sleep(for: configuration.backoff.delay(attempt: attempt))
                attempt += 1
            } catch {
                guard batch.count > 1 else {
                    try await deadLetter(batch[0], error: error, savingOffsets: savingOffsets)
                    return
                }
                logger.warning("batch failed with a permanent error; isolating the message that causes it",
                               metadata: ["error": "\(error)", "batch": "\(batch.count)"])
                let half = batch.count / 2
                try await commit(Array(batch[..<half]), savingOffsets: savingOffsets)
                try await commit(Array(batch[half...]), savingOffsets: savingOffsets)
                return
            }
        }
    }

    /// One transaction: the handler's state change, its outgoing messages and, unless it is one
    /// lane of several, the offsets. It commits without waiting for the WAL flush: a commit
    /// lost in a crash takes its offsets with it (or, for lanes, the later offsets transaction,
    /// whose commit record comes after theirs in the WAL), so its messages are read again.
    private func apply(_ batch: [KafkaMessage], savingOffsets: Bool) async throws -> Outbox.Enqueued {
        let handler = handler, outbox = outbox, offsets = offsets
        return try await pool.withTransaction { connection in
            try connection.commitWithoutWaitingForFlush()
            let outgoing = try handler.handle(batch, on: connection)
            let enqueued = try outbox.enqueue(outgoing, on: connection)
            if savingOffsets { try offsets.save(Self.nextOffsets(batch), on: connection) }
            return enqueued
        }
    }

    /// Records a message that fails alone as a dead letter and moves past it.
    private func deadLetter(_ message: KafkaMessage, error: any Error, savingOffsets: Bool) async throws {
        metrics.deadLetters.increment()
        logger.error("message failed permanently; recorded as a dead letter", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)",
        ])
        let handler = handler, outbox = outbox, offsets = offsets
        try await transactionRetried("recording a dead letter") { connection in
            try connection.commitWithoutWaitingForFlush()
            try outbox.enqueue(try handler.deadLetter(message, error: error, on: connection), on: connection)
            if savingOffsets { try offsets.save(Self.nextOffsets([message]), on: connection) }
        }
        publisher?.wake()
    }

    private func reportLag(_ consumer: KafkaConsumer) async {
        do {
            metrics.lag.record(try await consumer.lag().values.reduce(0, +))
        } catch {
            logger.debug("consumer lag not measured", metadata: ["error": "\(error)"])
        }
    }

    /// The next offset to read per partition after `batch`.
    public static func nextOffsets(_ batch: [KafkaMessage]) -> [KafkaTopicPartition: Int64] {
        var next: [KafkaTopicPartition: Int64] = [:]
        for message in batch {
            next[message.topicPartition] = max(next[message.topicPartition] ?? 0, message.offset + 1)
        }
        return next
    }
}

/// The metrics a pipeline consumer records, labelled by consumer group.
struct PipelineMetrics: Sendable {
    let messages: Counter
    let retries: Counter
    let deadLetters: Counter
    let offsetGaps: Counter
    let batchDuration: Metrics.Timer
    let lag: Gauge

    init(group: String) {
        let dimensions = [("group", group)]
        messages = Counter(label: "pipeline_messages_total", dimensions: dimensions)
        retries = Counter(label: "pipeline_retries_total", dimensions: dimensions)
        deadLetters = Counter(label: "pipeline_dead_letters_total", dimensions: dimensions)
        offsetGaps = Counter(label: "pipeline_offset_gaps_total", dimensions: dimensions)
        batchDuration = Metrics.Timer(label: "pipeline_batch_duration_seconds", dimensions: dimensions)
        lag = Gauge(label: "pipeline_consumer_lag", dimensions: dimensions)
    }
}
