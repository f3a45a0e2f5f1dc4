import CRdKafka
import Synchronization

/// A group rebalance as the consumer's `rebalance_cb` saw it.
enum RebalanceEvent: Sendable {
    /// Partitions newly assigned (EAGER: the whole new assignment).
    case assign([KafkaTopicPartition])
    /// Partitions taken away (EAGER: the whole old assignment).
    case revoke([KafkaTopicPartition])
    /// A rebalance failure; the assignment has been cleared.
    case failed(KafkaError)
}

/// Rebalance events recorded by `rebalance_cb` (on whatever thread polls librdkafka) for the
/// consumer's `poll` to handle on its task: the callback itself never blocks and never runs
/// caller code, so a zero-timeout poll is safe on the cooperative pool. librdkafka keeps the
/// group waiting until `rd_kafka_assign` is called, which `poll` does after the caller's hooks.
final class RebalanceInbox: Sendable {
    private struct State {
        var events: [RebalanceEvent] = []
        var closing = false
        var consumeError: KafkaError?
    }
    private let state = Mutex(State())

    /// Records an event (from the callback).
    func record(_ event: RebalanceEvent) { state.withLock { $0.events.append(event) } }

    /// Takes every recorded event, oldest first.
    func takeEvents() -> [RebalanceEvent] {
        state.withLock { state in
            defer { state.events.removeAll() }
            return state.events
        }
    }

    /// Puts events back in front (their handling failed and is retried on the next poll).
    func requeue(_ events: [RebalanceEvent]) { state.withLock { $0.events.insert(contentsOf: events, at: 0) } }

    /// Whether an event awaits handling.
    var hasEvents: Bool { state.withLock { !$0.events.isEmpty } }

    /// Set once `close()` starts: the callback then answers librdkafka itself.
    var closing: Bool {
        get { state.withLock { $0.closing } }
        set { state.withLock { $0.closing = newValue } }
    }

    /// Keeps a per-message consume error to throw on the next `poll` (messages already in the
    /// batch are returned first, since their fetch position has moved past them).
    func deferError(_ error: KafkaError) { state.withLock { if $0.consumeError == nil { $0.consumeError = error } } }

    /// Takes the deferred consume error.
    func takeError() -> KafkaError? {
        state.withLock { state in
            defer { state.consumeError = nil }
            return state.consumeError
        }
    }
}

/// librdkafka's rebalance callback: records the event and makes the current poll return at
/// once (`rd_kafka_yield`); while closing it clears the assignment itself.
let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { rk, err, list, opaque in
    guard let inbox = ClientContext.from(opaque)?.rebalances else { return }
    let partitions = list.map { topicPartitions($0).map(\.0) } ?? []
    if inbox.closing {
        rd_kafka_assign(rk, nil)
        return
    }
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: inbox.record(.assign(partitions))
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: inbox.record(.revoke(partitions))
    default:
        rd_kafka_assign(rk, nil)
        inbox.record(.failed(KafkaError(err, message: "rebalance failed")))
    }
    rd_kafka_yield(rk)
}
