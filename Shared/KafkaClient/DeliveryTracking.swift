import Synchronization

/// Collects the delivery reports of one batch of messages and resumes its waiting task once
/// every message is acknowledged or failed. Reports may arrive before the task starts waiting.
final class BatchCollector: Sendable {
    private struct State {
        var expected: Int
        var arrived = 0
        var reports: [KafkaDeliveryReport?]
        var firstError: KafkaError?
        var continuation: CheckedContinuation<[KafkaDeliveryReport], any Error>?
    }
    private let state: Mutex<State>
    /// The batch's messages (their topics name the reports).
    let messages: [KafkaOutgoingMessage]

    init(_ messages: [KafkaOutgoingMessage]) {
        self.messages = messages
        state = Mutex(State(expected: messages.count, reports: Array(repeating: nil, count: messages.count)))
    }

    /// Records the outcome of message `index` (from the delivery-report callback).
    func complete(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let resume = state.withLock { state in
            switch result {
            case .success(let report): state.reports[index] = report
            case .failure(let error): if state.firstError == nil { state.firstError = error }
            }
            state.arrived += 1
            return Self.finishIfDone(&state)
        }
        resume?()
    }

    /// Stops expecting more messages than `enqueued` (enqueueing failed after that many) and
    /// records why.
    func truncate(to enqueued: Int, error: KafkaError) {
        state.withLock { state in
            state.expected = enqueued
            if state.firstError == nil { state.firstError = error }
        }
    }

    /// Fails every message still unreported (the producer is being destroyed).
    func abort(_ error: KafkaError) {
        let resume = state.withLock { state in
            state.arrived = state.expected
            if state.firstError == nil { state.firstError = error }
            return Self.finishIfDone(&state)
        }
        resume?()
    }

    /// Waits until every expected message has its outcome; throws the first failure, or
    /// `CancellationError` when the task is cancelled first (outcomes arriving later are dropped).
    func wait() async throws -> [KafkaDeliveryReport] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let resume = state.withLock { state -> (@Sendable () -> Void)? in
                    state.continuation = continuation
                    if let done = Self.finishIfDone(&state) { return done }
                    guard Task.isCancelled else { return nil }
                    state.continuation = nil
                    return { continuation.resume(throwing: CancellationError()) }
                }
                resume?()
            }
        } onCancel: {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// If all outcomes are in and someone waits, returns the resumption to run outside the lock.
    private static func finishIfDone(_ state: inout State) -> (@Sendable () -> Void)? {
        guard state.arrived >= state.expected, let continuation = state.continuation else { return nil }
        state.continuation = nil
        if let error = state.firstError { return { continuation.resume(throwing: error) } }
        let reports = state.reports.compactMap { $0 }
        return { continuation.resume(returning: reports) }
    }
}

/// The producer's in-flight batches. Each message's `msg_opaque` is an id that packs its
/// batch's number (high 32 bits) and its index in the batch (low 32 bits); the
/// delivery-report callback finds the batch by number and completes that index. One registry
/// entry per batch keeps the per-message cost to one uncontended lookup.
final class DeliveryRegistry: Sendable {
    private struct State {
        var nextBatch: UInt = 1
        var batches: [UInt: BatchCollector] = [:]
    }
    private let state = Mutex(State())
    private let inFlight = Atomic<Int>(0)

    /// Registers a batch; returns its number (never 0).
    func register(_ collector: BatchCollector) -> UInt {
        state.withLock { state in
            let batch = state.nextBatch
            state.nextBatch = state.nextBatch == UInt(UInt32.max) ? 1 : state.nextBatch + 1
            state.batches[batch] = collector
            return batch
        }
    }

    /// The per-message opaque id of message `index` of `batch`.
    static func messageID(batch: UInt, index: Int) -> UInt { batch << 32 | UInt(index) }

    /// Notes that a message was handed to librdkafka.
    func enqueued() { inFlight.add(1, ordering: .relaxed) }

    /// The batch and index of a message id, counting the message as no longer in flight.
    func lookup(_ id: UInt) -> (BatchCollector, Int)? {
        inFlight.subtract(1, ordering: .relaxed)
        return state.withLock { $0.batches[id >> 32] }.map { ($0, Int(id & 0xFFFF_FFFF)) }
    }

    /// Forgets a finished batch.
    func remove(_ batch: UInt) { _ = state.withLock { $0.batches.removeValue(forKey: batch) } }

    /// Fails every pending batch (used when the producer is destroyed).
    func failAll(_ error: KafkaError) {
        let all = state.withLock { state in
            defer { state.batches.removeAll() }
            return Array(state.batches.values)
        }
        for collector in all { collector.abort(error) }
    }

    /// How many messages await their delivery report.
    var count: Int { inFlight.load(ordering: .relaxed) }
}
