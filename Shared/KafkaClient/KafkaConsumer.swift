import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// A Kafka group consumer over librdkafka with manual offset control (DESIGN §9).
///
/// Offsets are never committed or stored automatically: either call `commit(_:)`, or keep
/// offsets with your state (PostgreSQL) and supply them from `onAssign`. Rebalances are EAGER
/// (`range`/`roundrobin`): all partitions are revoked, then the new assignment is given.
/// Rebalance hooks run inside `poll` on the caller's task, before any message of the new
/// assignment, and only after the caller has finished the previous batch (the next `poll`),
/// so offsets recorded per batch are exact. Use the consumer from one task at a time.
public final class KafkaConsumer: Sendable {
    /// Called with the newly assigned partitions; returns the offset to start from for those
    /// it knows (the next offset to read). Others start from the committed offset, else
    /// `auto.offset.reset`. If it throws, the assignment is retried on the next `poll`, which
    /// rethrows the error first.
    public typealias AssignHandler = @Sendable ([KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64]
    /// Called with the partitions being revoked, before they are released to other members.
    public typealias RevokeHandler = @Sendable ([KafkaTopicPartition]) async -> Void

    private let handle: KafkaHandle
    private let inbox: RebalanceInbox
    private let onAssign: AssignHandler?
    private let onRevoke: RevokeHandler?
    private let blocking = DispatchQueue(label: "kafka.consumer.blocking")
    private let closed = Atomic<Bool>(false)
    private let logger: Logger

    /// Creates the consumer (not yet subscribed). Throws on invalid configuration.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger,
                onAssign: AssignHandler? = nil, onRevoke: RevokeHandler? = nil) throws {
        let inbox = RebalanceInbox()
        self.inbox = inbox
        self.onAssign = onAssign
        self.onRevoke = onRevoke
        self.logger = logger
        handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, properties: configuration.rdKafkaProperties,
                                 context: ClientContext(logger: logger, rebalances: inbox)) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        rd_kafka_poll_set_consumer(handle.rk)
    }

    /// Without `close()`: destroys the handle (which leaves the group, blocking) on a thread of
    /// its own, never on the releasing task's thread.
    deinit {
        inbox.closing = true
        if !handle.isDestroyed {
            let handle = handle
            Thread { handle.destroy() }.start()
        }
    }

    /// Subscribes to topic names; a name starting with `^` is a regular expression matching
    /// topics, present and future (e.g. `Topics.agencyEventsPattern`).
    public func subscribe(topics: [String]) async throws {
        let handle = handle
        let entries = topics.map { (KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), Int64(RD_KAFKA_OFFSET_INVALID)) }
        let err = try await blocking.runBlocking { () throws(KafkaError) in
            let rk = try handle.live()
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return rd_kafka_subscribe(rk, list)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "subscribe to \(topics) failed") }
    }

    /// Returns up to `maxMessages` messages, waiting up to `timeout` for the first one; an
    /// empty array means none arrived. Tries a zero-timeout poll first and does the waiting
    /// poll on the consumer's own thread, never on the cooperative pool.
    ///
    /// Throws a pending rebalance-hook failure, a fatal error, or a consume error such as
    /// `_AUTO_OFFSET_RESET` / `OFFSET_OUT_OF_RANGE` (start offset outside the log: a gap is
    /// reported, never skipped silently). Messages fetched before such an error are returned
    /// first; the error comes with the next call.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(500)) async throws -> [KafkaMessage] {
        if closed.load(ordering: .relaxed) { throw KafkaError(code: .destroyed, message: "consumer is closed") }
        await handleRebalances()
        if let error = inbox.takeError() { throw error }
        try handle.context.checkFatal()
        let handle = handle, inbox = inbox, logger = logger
        var batch = drain(handle.rk, inbox: inbox, logger: logger, max: maxMessages, firstTimeoutMs: 0)
        if batch.isEmpty && !inbox.hasEvents {
            batch = await blocking.runBlocking {
                handle.isDestroyed ? [] : drain(handle.rk, inbox: inbox, logger: logger, max: maxMessages, firstTimeoutMs: timeout.milliseconds)
            }
        }
        if batch.isEmpty && inbox.hasEvents { await handleRebalances() }
        return batch
    }

    /// Commits offsets to the group coordinator (synchronously); each value is the next offset
    /// to read (last processed + 1). Not needed when offsets live in PostgreSQL.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        let handle = handle
        let entries = offsets.map { ($0.key, $0.value) }
        let failure: KafkaError? = try await blocking.runBlocking { () throws(KafkaError) in
            let rk = try handle.live()
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(rk, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { return KafkaError(err, message: "commit failed") }
            return topicPartitions(list).first { $0.2 != RD_KAFKA_RESP_ERR_NO_ERROR }.map {
                KafkaError($0.2, message: "commit failed", topic: $0.0.topic, partition: $0.0.partition)
            }
        }
        if let failure { throw failure }
    }

    /// The partitions currently assigned to this member.
    public func assignment() async throws -> [KafkaTopicPartition] {
        let handle = handle
        return try await blocking.runBlocking { () throws(KafkaError) -> [KafkaTopicPartition] in
            let rk = try handle.live()
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(rk, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(err, message: "assignment query failed") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return topicPartitions(list).map(\.0)
        }
    }

    /// Queries the broker for a partition's low watermark (log start) and high watermark
    /// (next offset to be written).
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(5)) async throws -> (low: Int64, high: Int64) {
        let handle = handle
        return try await blocking.runBlocking { () throws(KafkaError) in
            try queryWatermarks(handle.live(), KafkaTopicPartition(topic: topic, partition: partition), timeout: timeout)
        }
    }

    /// The cluster id the brokers report (nil if they do not say within `timeout`). It tells one
    /// Kafka log from another: offsets kept from a cluster with another id are meaningless here
    /// (e.g. the dev broker restarted empty).
    public func clusterID(timeout: Duration = .seconds(5)) async throws -> String? {
        let handle = handle
        return try await blocking.runBlocking { () throws(KafkaError) -> String? in
            guard let id = rd_kafka_clusterid(try handle.live(), timeout.milliseconds) else { return nil }
            defer { rd_kafka_mem_free(nil, id) }
            return String(cString: id)
        }
    }

    /// Messages not yet consumed per assigned partition: the high watermark of the latest fetch
    /// response minus the consumer's position. Local only (librdkafka's cached watermarks, no
    /// broker request), so it answers at once even when brokers are gone: a query per partition
    /// could block for the request timeout (60 s) each, holding up the consumer's loop and its
    /// shutdown. Partitions not fetched from yet are left out.
    public func lag() async throws -> [KafkaTopicPartition: Int64] {
        let handle = handle
        return try await blocking.runBlocking { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            let rk = try handle.live()
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(rk, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(err, message: "assignment query failed") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_position(rk, list)
            var lag: [KafkaTopicPartition: Int64] = [:]
            for (tp, position, _) in topicPartitions(list) {
                var low: Int64 = 0, high: Int64 = 0
                guard rd_kafka_get_watermark_offsets(rk, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                      high >= 0 else { continue }
                lag[tp] = max(0, high - (position >= 0 ? position : max(low, 0)))
            }
            return lag
        }
    }

    /// Leaves the group cleanly: calls `onRevoke` for the current assignment, then
    /// `rd_kafka_consumer_close` and destroys the handle, on the consumer's own thread.
    /// Idempotent; later polls throw `_DESTROY`. Leaving can take long when the coordinator is
    /// unreachable; a cancelled caller stops waiting for it (it finishes on that thread).
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let pending = inbox.takeEvents()
        if let current = try? await assignment(), !current.isEmpty { await onRevoke?(current) }
        inbox.closing = true
        let handle = handle, logger = logger
        await blocking.runBlockingUnlessCancelled {
            if !pending.isEmpty { rd_kafka_assign(handle.rk, nil) }
            let err = rd_kafka_consumer_close(handle.rk)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { logger.warning("kafka consumer close: \(KafkaError(err))") }
            handle.destroy()
        }
    }

    /// Handles recorded rebalance events: caller hooks on this task, then `rd_kafka_assign`.
    /// Failures are kept for `poll` to throw; a failed assignment is retried next time.
    private func handleRebalances() async {
        var events = inbox.takeEvents()
        while !events.isEmpty {
            let event = events.removeFirst()
            switch event {
            case .revoke(let partitions):
                logger.debug("kafka partitions revoked: \(partitions)")
                await onRevoke?(partitions)
                await assign(nil)
            case .assign(let partitions):
                logger.debug("kafka partitions assigned: \(partitions)")
                var offsets: [KafkaTopicPartition: Int64] = [:]
                if let onAssign {
                    do {
                        offsets = try await onAssign(partitions)
                    } catch {
                        logger.error("kafka assignment hook failed, retrying on next poll: \(error)")
                        inbox.requeue([event] + events)
                        inbox.deferError(KafkaError(code: .invalidArgument, message: "onAssign failed: \(error)", isRetriable: true))
                        return
                    }
                }
                await reportOutOfRange(offsets)
                await assign(partitions.map { ($0, offsets[$0] ?? Int64(RD_KAFKA_OFFSET_INVALID)) })
            case .failed(let error):
                inbox.deferError(error)
            }
        }
    }

    /// Sets (or with nil clears) the assignment, with start offsets.
    private func assign(_ entries: [(KafkaTopicPartition, Int64)]?) async {
        let handle = handle, logger = logger
        await blocking.runBlocking {
            guard !handle.isDestroyed else { return }
            let list = entries.map(makePartitionList)
            defer { list.map(rd_kafka_topic_partition_list_destroy) }
            let err = rd_kafka_assign(handle.rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { logger.error("kafka assign failed: \(KafkaError(err))") }
        }
    }

    /// Checks supplied start offsets against the log and reports any outside it loudly (error
    /// log, and `poll` throws `OFFSET_OUT_OF_RANGE`): below the log start means messages were
    /// lost to retention, beyond the end means the stored offset is from another log. The
    /// consumer then starts where `auto.offset.reset` says (`.error`: `poll` keeps throwing).
    private func reportOutOfRange(_ offsets: [KafkaTopicPartition: Int64]) async {
        for (tp, offset) in offsets.sorted(by: { $0.key.description < $1.key.description }) where offset >= 0 {
            do {
                let marks = try await watermarks(topic: tp.topic, partition: tp.partition, timeout: .seconds(2))
                guard offset < marks.low || offset > marks.high else { continue }
                let error = KafkaError(code: .offsetOutOfRange,
                                       message: "start offset \(offset) outside the log [\(marks.low), \(marks.high)]"
                                           + (offset < marks.low ? ": \(marks.low - offset) messages are gone" : ""),
                                       topic: tp.topic, partition: tp.partition, isRetriable: false)
                logger.error("kafka consumer gap: \(error)")
                inbox.deferError(error)
            } catch {
                // Brokers unreachable: do not hold up the rebalance partition by partition.
                // (`autoOffsetReset: .error` also makes the broker's own range check loud.)
                logger.warning("kafka start-offset check skipped from \(tp) on: \(error)")
                return
            }
        }
    }
}

/// Polls up to `max` messages, waiting `firstTimeoutMs` for the first and none after.
/// Retriable consume errors are logged; others are deferred to the next `poll`.
private func drain(_ rk: OpaquePointer, inbox: RebalanceInbox, logger: Logger, max: Int, firstTimeoutMs: Int32) -> [KafkaMessage] {
    var batch: [KafkaMessage] = []
    var timeout = firstTimeoutMs
    var lastTopic: (OpaquePointer?, String) = (nil, "")
    while batch.count < max, let message = rd_kafka_consumer_poll(rk, timeout) {
        timeout = 0
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if m.rkt != lastTopic.0 { lastTopic = (m.rkt, m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "") }
        guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
            let error = KafkaError(m.err, message: String(cString: rd_kafka_err2str(m.err)) + (m.payload.map { ": " + String(decoding: UnsafeRawBufferPointer(start: $0, count: m.len), as: UTF8.self) } ?? ""),
                                   topic: m.rkt == nil ? nil : lastTopic.1, partition: m.rkt == nil ? nil : m.partition)
            if error.isRetriable && error.code != .offsetOutOfRange {
                logger.warning("kafka consumer: \(error)")
                continue
            }
            logger.error("kafka consumer: \(error)")
            inbox.deferError(error)
            break
        }
        batch.append(KafkaMessage(copying: m, pointer: message, topic: lastTopic.1))
    }
    return batch
}

/// Queries a partition's watermarks from the broker (blocking).
private func queryWatermarks(_ rk: OpaquePointer, _ tp: KafkaTopicPartition, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
    var low: Int64 = 0, high: Int64 = 0
    let err = rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, timeout.milliseconds)
    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "watermark query failed", topic: tp.topic, partition: tp.partition) }
    return (low, high)
}
