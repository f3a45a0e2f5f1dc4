import CRdKafka
import Dispatch
import Logging
import Synchronization

/// What every librdkafka callback of one client instance needs; handed to librdkafka as the
/// configuration opaque and recovered in the C callbacks with `ClientContext.from(_:)`.
final class ClientContext: Sendable {
    /// Where librdkafka's logs and errors go.
    let logger: Logger
    /// The first fatal error raised on the instance (`error_cb` with `_FATAL`).
    let fatalError = Mutex<KafkaError?>(nil)
    /// In-flight messages of a producer (nil for consumers).
    let deliveries: DeliveryRegistry?
    /// Rebalance events of a consumer (nil for producers).
    let rebalances: RebalanceInbox?

    init(logger: Logger, deliveries: DeliveryRegistry? = nil, rebalances: RebalanceInbox? = nil) {
        self.logger = logger
        self.deliveries = deliveries
        self.rebalances = rebalances
    }

    /// Recovers the context from the opaque pointer librdkafka passes to callbacks.
    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        opaque.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Recovers the context of a client instance.
    static func of(_ rk: OpaquePointer?) -> ClientContext? { rk.flatMap { from(rd_kafka_opaque($0)) } }

    /// Throws the recorded fatal error, if any.
    func checkFatal() throws(KafkaError) {
        if let error = fatalError.withLock({ $0 }) { throw error }
    }
}

/// Owns one `rd_kafka_t` client instance and the context its callbacks use.
///
/// `@unchecked Sendable`: librdkafka documents the `rd_kafka_t` handle as thread-safe (every
/// public API may be called from any thread); the only unsynchronised step, destruction, is
/// guarded by `destroyed` and happens once. This is the only `@unchecked Sendable` type here.
final class KafkaHandle: @unchecked Sendable {
    /// The `rd_kafka_t *`.
    let rk: OpaquePointer
    /// The callbacks' context (retained for the handle's lifetime).
    let context: ClientContext
    private let retainedContext: Unmanaged<ClientContext>
    private let destroyed = Mutex(false)

    /// Creates the instance; `configure` may install callbacks on the `rd_kafka_conf_t` first.
    init(type: rd_kafka_type_t, properties: [(String, String)], context: ClientContext,
         configure: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        let conf = try makeRdKafkaConf(properties)
        installLogBridge(conf)
        configure(conf)
        self.context = context
        retainedContext = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retainedContext.toOpaque())
        var buffer = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &buffer, buffer.count) else {
            rd_kafka_conf_destroy(conf)
            retainedContext.release()
            throw KafkaError.fromBuffer(RD_KAFKA_RESP_ERR__INVALID_ARG, buffer)
        }
        self.rk = rk
    }

    /// The instance name librdkafka gave it (e.g. `rdkafka#producer-1`).
    var name: String { String(cString: rd_kafka_name(rk)) }

    /// Destroys the instance (blocking: a consumer leaves its group, a producer drops its
    /// queue). Idempotent. Call it from a dedicated thread, never the cooperative pool.
    func destroy() {
        let first = destroyed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        rd_kafka_destroy(rk)
        retainedContext.release()
    }

    /// The `rd_kafka_t *`, or `_DESTROY` once destroyed. Check it on the serial queue that
    /// also destroys the handle, so that the answer cannot go stale.
    func live() throws(KafkaError) -> OpaquePointer {
        if isDestroyed { throw KafkaError(code: .destroyed, message: "client is closed") }
        return rk
    }

    /// Whether `destroy()` has run.
    var isDestroyed: Bool { destroyed.withLock { $0 } }

    deinit { destroy() }
}

extension DispatchQueue {
    /// Runs blocking librdkafka work on this queue (a dedicated thread, never the cooperative
    /// pool) and resumes the calling task with its result.
    func runBlocking<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: Result { () throws(E) -> T in try body() }) }
        }
        return try result.get()
    }

    /// Runs blocking librdkafka work on this queue like `runBlocking`, but a cancelled caller
    /// stops waiting for it: the work still runs to its end on the queue, unobserved. For work
    /// that may block for long (leaving a group whose coordinator is gone) and must not keep a
    /// cancelled shutdown from ending.
    func runBlockingUnlessCancelled(_ body: @escaping @Sendable () -> Void) async {
        let waiter = BlockingWaiter()
        self.async {
            body()
            waiter.finish()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter.install($0) }
        } onCancel: {
            waiter.finish()
        }
    }
}

/// The task waiting in `runBlockingUnlessCancelled`: resumed once, when the work finishes or
/// when the task is cancelled, whichever comes first.
private final class BlockingWaiter: Sendable {
    private struct State {
        var finished = false
        var continuation: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Keeps the waiting continuation, or resumes it at once when already finished.
    func install(_ continuation: CheckedContinuation<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            if !state.finished { state.continuation = continuation }
            return state.finished
        }
        if finished { continuation.resume() }
    }

    /// Resumes the waiter (if it waits); later calls do nothing.
    func finish() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }
}
