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

    init(count: Int) {
        state = Mutex(State(expected: count, reports: Array(repeating: nil, count: count)))
    }

    /// Records the outcome of message `index` (from the delivery-report callback).
    func complete(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let resume = state.withLock { state -> (CheckedContinuation<[KafkaDeliveryReport], any Error>, Result<[KafkaDeliveryReport], KafkaError>)? in
            switch result {
            case .success(let report): state.reports[index] = report
            case .failure(let error): if state.firstError == nil { state.firstError = error }
            }
            state.arrived += 1
            return Self.finishIfDone(&state)
        }
        if let (continuation, result) = resume { continuation.resume(with: result.mapError { $0 }) }
    }

    /// Stops expecting more messages than `enqueued` (enqueueing failed after that many) and
    /// records why.
    func truncate(to enqueued: Int, error: KafkaError) {
        state.withLock { state in
            state.expected = enqueued
            if state.firstError == nil { state.firstError = error }
        }
    }

    /// Waits until every expected message has its outcome; throws the first failure.
    func wait() async throws -> [KafkaDeliveryReport] {
        try await withCheckedThrowingContinuation { continuation in
            let resume = state.withLock { state in
                state.continuation = continuation
                return Self.finishIfDone(&state)
            }
            if let (continuation, result) = resume { continuation.resume(with: result.mapError { $0 }) }
        }
    }

    private static func finishIfDone(_ state: inout State)
        -> (CheckedContinuation<[KafkaDeliveryReport], any Error>, Result<[KafkaDeliveryReport], KafkaError>)? {
        guard state.arrived >= state.expected, let continuation = state.continuation else { return nil }
        state.continuation = nil
        if let error = state.firstError { return (continuation, .failure(error)) }
        return (continuation, .success(state.reports.compactMap { $0 }))
    }
}

/// The producer's in-flight messages, keyed by the opaque id passed to librdkafka as each
/// message's `msg_opaque`; the delivery-report callback takes the entry and completes it.
final class DeliveryRegistry: Sendable {
    private struct State {
        var nextID: UInt = 1
        var pending: [UInt: (BatchCollector, Int, String)] = [:]
    }
    private let state = Mutex(State())

    /// Registers message `index` (to `topic`) of `collector` and returns its id (never 0,
    /// which is nil).
    func register(_ collector: BatchCollector, index: Int, topic: String) -> UInt {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.pending[id] = (collector, index, topic)
            return id
        }
    }

    /// Removes and returns the entry for `id`.
    func take(_ id: UInt) -> (BatchCollector, Int, String)? {
        state.withLock { $0.pending.removeValue(forKey: id) }
    }

    /// Fails every pending message (used when the producer is destroyed).
    func failAll(_ error: KafkaError) {
        let all = state.withLock { state in
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        for (collector, index, _) in all { collector.complete(index, .failure(error)) }
    }

    /// How many messages await their delivery report.
    var count: Int { state.withLock { $0.pending.count } }
}
