import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization

/// An idempotent Kafka producer over librdkafka.
///
/// `send` returns when the broker has acknowledged the message (its delivery report, with
/// partition and offset). Messages batch through `linger.ms`; a full local queue makes the
/// sender wait with backoff (suspending, never blocking a thread). A dedicated thread serves
/// `rd_kafka_poll` for delivery reports. Call `shutdown()` before dropping the producer.
public final class KafkaProducer: Sendable {
    private let handle: KafkaHandle
    private let deliveries: DeliveryRegistry
    private let blocking = DispatchQueue(label: "kafka.producer.blocking")
    private let pollThread: PollThread
    /// Topic handles and whether the producer is open, under one lock: a message is handed to
    /// librdkafka only while holding it and seeing `open`, so `shutdown` (which clears `open`
    /// under the lock first) can never destroy the handle under a sender.
    private let state = Mutex(ProducerState())
    private let logger: Logger

    /// Creates the producer and starts its poll thread. Throws on invalid configuration.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        self.logger = logger
        let deliveries = DeliveryRegistry()
        self.deliveries = deliveries
        handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, properties: configuration.rdKafkaProperties,
                                 context: ClientContext(logger: logger, deliveries: deliveries)) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        pollThread = PollThread(handle)
    }

    /// Without `shutdown()`: stops the poll thread, which then drops the last reference to the
    /// handle and so destroys it there (off the cooperative pool). Queued messages are lost.
    deinit {
        state.withLock { $0.topics.values.forEach(rd_kafka_topic_destroy) }
        pollThread.requestStop()
    }

    /// Sends one message and returns its delivery report once the broker acknowledged it.
    public func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [],
                     partition: Int32? = nil) async throws -> KafkaDeliveryReport {
        try await send([KafkaOutgoingMessage(topic: topic, key: key, value: value, headers: headers, partition: partition)])[0]
    }

    /// Sends a batch and returns when every message is acknowledged, with the reports in
    /// input order. If any message fails, throws the first `KafkaError` after all outcomes are
    /// known (idempotent consumers make re-sending the whole batch safe). A cancelled task stops
    /// waiting with `CancellationError`; messages already handed over may still be delivered.
    public func send(_ messages: [KafkaOutgoingMessage]) async throws -> [KafkaDeliveryReport] {
        try await enqueue(messages).acknowledgements()
    }

    /// Hands a batch to librdkafka, in order, and returns once it holds all of it (waiting while
    /// its local queue is full); await ``KafkaPendingBatch/acknowledgements()`` for the
    /// outcome. For a sender with several batches awaiting acknowledgement: concurrent `send`
    /// calls hand their messages over in whatever order their tasks run, so a message could
    /// overtake an earlier one of the same key (a retraction its target, which ingest then
    /// refuses); batches enqueued one after the other keep their order in each partition.
    public func enqueue(_ messages: [KafkaOutgoingMessage]) async throws -> KafkaPendingBatch {
        try handle.context.checkFatal()
        let collector = BatchCollector(messages)
        let batch = deliveries.register(collector)
        var index = 0
        var backoff = Duration.milliseconds(1)
        while index < messages.count {
            let message = messages[index]
            let refusal: KafkaError? = state.withLock { state in
                guard state.open else { return KafkaError(code: .destroyed, message: "producer is shut down") }
                return produce(message, rkt: state.topic(message.topic, rk: handle.rk),
                               id: DeliveryRegistry.messageID(batch: batch, index: index))
            }
            if let error = refusal {
                guard error.code == .queueFull, !Task.isCancelled else {
                    collector.truncate(to: index, error: error)
                    break
                }
                // Local queue full: wait for deliveries to free room, without blocking a thread.
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .milliseconds(50))
            } else {
                deliveries.enqueued()
                index += 1
                backoff = .milliseconds(1)
            }
        }
        return KafkaPendingBatch(collector: collector, batch: batch, deliveries: deliveries)
    }

    /// Hands one message to librdkafka (copying its bytes); returns the error if refused.
    private func produce(_ message: KafkaOutgoingMessage, rkt: OpaquePointer?, id: UInt) -> KafkaError? {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                _ = header.value.withUnsafeBytesOrNil { rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
            }
        }
        let error: OpaquePointer? = message.key.withUnsafeBytesOrNil { key in
                message.value.withUnsafeBytes { value in
                    // On the stack: this runs once per message.
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { vus in
                        vus.initialize(repeating: rd_kafka_vu_t())
                        vus[0].vtype = RD_KAFKA_VTYPE_RKT
                        vus[0].u.rkt = rkt
                        vus[1].vtype = RD_KAFKA_VTYPE_PARTITION
                        vus[1].u.i32 = message.partition ?? RD_KAFKA_PARTITION_UA
                        vus[2].vtype = RD_KAFKA_VTYPE_KEY
                        vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                        vus[2].u.mem.size = key.count
                        vus[3].vtype = RD_KAFKA_VTYPE_VALUE
                        vus[3].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        vus[3].u.mem.size = value.count
                        vus[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                        vus[4].u.ptr = UnsafeMutableRawPointer(bitPattern: id)
                        vus[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        vus[5].u.i = RD_KAFKA_MSG_F_COPY
                        vus[6].vtype = RD_KAFKA_VTYPE_HEADERS
                        vus[6].u.headers = headers
                        return rd_kafka_produceva(handle.rk, vus.baseAddress, headers == nil ? 6 : 7)
                    }
                }
            }
        guard let error else { return nil }
        if let headers { rd_kafka_headers_destroy(headers) }  // not taken over on failure
        return KafkaError(consuming: error, topic: message.topic)
    }

    /// Waits (on a dedicated thread) until every queued message is delivered or `timeout`
    /// passes; throws `_TIMED_OUT` (retriable) if messages remain.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let handle = handle
        let err = try await blocking.runBlocking { () throws(KafkaError) in
            try rd_kafka_flush(handle.live(), timeout.milliseconds)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, message: "\(rd_kafka_outq_len(handle.rk)) messages still queued after flush")
        }
        try handle.context.checkFatal()
    }

    /// Flushes for up to `timeout`, fails whatever is left (`_PURGE_QUEUE`/`_DESTROY`), stops the
    /// poll thread and destroys the handle. All blocking work runs on a dedicated thread.
    /// Idempotent; later sends throw `_DESTROY`. The default timeout is short: `send` waits for
    /// its acknowledgements, so what is still queued here was given up by its sender (e.g. a
    /// publisher cancelled at shutdown while the brokers were gone), and a process must not
    /// linger for it.
    public func shutdown(timeout: Duration = .seconds(5)) async {
        // From here on no message is handed to librdkafka; one being handed over now finishes first.
        guard state.withLock({ state in defer { state.open = false }; return state.open }) else { return }
        await blocking.runBlocking { [self] in
            if rd_kafka_flush(handle.rk, timeout.milliseconds) != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("kafka producer shutdown: \(rd_kafka_outq_len(handle.rk)) messages undelivered, purging")
                rd_kafka_purge(handle.rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                rd_kafka_poll(handle.rk, 100)
            }
            pollThread.stopAndJoin()
            state.withLock { state in
                state.topics.values.forEach(rd_kafka_topic_destroy)
                state.topics.removeAll()
            }
            deliveries.failAll(KafkaError(code: .destroyed, message: "producer shut down before delivery"))
            handle.destroy()
        }
    }

    /// Messages handed to librdkafka and not yet reported.
    public var inFlightCount: Int { deliveries.count }
}

/// What `KafkaProducer` guards with its lock.
private struct ProducerState {
    /// librdkafka's topic handles, created once per topic and kept until shutdown (saves a
    /// topic lookup per message).
    var topics: [String: OpaquePointer] = [:]
    /// False once `shutdown` began.
    var open = true

    /// The handle for topic `name`, created on first use.
    mutating func topic(_ name: String, rk: OpaquePointer?) -> OpaquePointer? {
        if let rkt = topics[name] { return rkt }
        let rkt = rd_kafka_topic_new(rk, name, nil)
        topics[name] = rkt
        return rkt
    }
}

/// The dedicated thread that serves `rd_kafka_poll` (delivery reports, logs, errors) for a
/// producer, so that no task of the cooperative pool ever waits in librdkafka.
private final class PollThread: Sendable {
    private let stop = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    /// Starts polling `handle` every 100 ms at most.
    init(_ handle: KafkaHandle) {
        let thread = Thread { [self] in
            while !stop.load(ordering: .acquiring) { rd_kafka_poll(handle.rk, 100) }
            done.signal()
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    /// Asks the loop to end within 100 ms, without waiting.
    func requestStop() { stop.store(true, ordering: .releasing) }

    /// Stops the loop and waits for it to end (blocking: call on a dedicated thread).
    func stopAndJoin() {
        requestStop()
        done.wait()
    }
}

/// librdkafka's delivery-report callback: completes the message's entry in the registry.
private let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, opaque in
    guard let message, let registry = ClientContext.from(opaque)?.deliveries,
          let (collector, index) = registry.lookup(UInt(bitPattern: message.pointee._private)) else { return }
    let m = message.pointee
    let topic = collector.messages[index].topic
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        collector.complete(index, .success(KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
    } else {
        collector.complete(index, .failure(KafkaError(m.err, topic: topic, partition: m.partition)))
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` (librdkafka timeouts).
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with the bytes, or with an empty buffer with a nil base address for nil.
    func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .some(let bytes): try bytes.withUnsafeBytes(body)
        case .none: try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}

/// A batch handed to the producer (``KafkaProducer/enqueue(_:)``), waiting for the broker.
/// Await ``acknowledgements()`` exactly once: until then the producer keeps its reports.
public struct KafkaPendingBatch: Sendable {
    fileprivate let collector: BatchCollector
    fileprivate let batch: UInt
    fileprivate let deliveries: DeliveryRegistry

    /// The delivery reports in input order once every message is acknowledged; throws the
    /// first `KafkaError` after all outcomes are known, or `CancellationError` when the task is
    /// cancelled.
    public func acknowledgements() async throws -> [KafkaDeliveryReport] {
        defer { deliveries.remove(batch) }
        return try await collector.wait()
    }
}
