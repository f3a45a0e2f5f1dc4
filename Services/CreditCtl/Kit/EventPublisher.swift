import CreditModel
import Foundation
import KafkaClient

/// Publishes a synthetic stream to the agency topics (`agency.<id>.events`, keyed by subject):
/// as fast as the producer takes it, or paced to a rate. Batches go out with up to 8 awaiting
/// acknowledgement; a failed delivery fails the run.
public struct EventPublisher: Sendable {
    /// The producer (idempotent; owned by the caller).
    public let producer: KafkaProducer
    /// Most events per batch handed to the producer.
    public let batchSize: Int

    /// A publisher over `producer`.
    public init(producer: KafkaProducer, batchSize: Int = 1000) {
        self.producer = producer
        self.batchSize = max(1, batchSize)
    }

    /// What a run sent.
    public struct Summary: Sendable, Hashable {
        /// Events sent and acknowledged.
        public var events: Int
        /// Seconds from the first send to the last acknowledgement.
        public var seconds: Double
        /// Events per agency.
        public var perAgency: [String: Int]
        /// Events per second.
        public var rate: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    /// Sends every remaining event of `traffic`, at most `rate` per second (nil: unpaced).
    /// `published` is called with each batch's event ids and the instant they were handed to
    /// the producer (the events' publication time); `progress` with the count acknowledged.
    public func publish(_ traffic: inout SyntheticTraffic, rate: Double? = nil,
                        published: @Sendable ([String], ContinuousClock.Instant) async -> Void = { _, _ in },
                        progress: (Int) -> Void = { _ in }) async throws -> Summary {
        let clock = ContinuousClock()
        let start = clock.now
        // Paced: batches of about 10 ms worth of events, each sent at its due time.
        let size = rate.map { max(1, min(batchSize, Int(($0 / 100).rounded(.up)))) } ?? batchSize
        var sent = 0, acknowledged = 0
        var perAgency: [String: Int] = [:]
        let producer = producer
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = 0
            while true {
                var batch: [KafkaOutgoingMessage] = []
                var ids: [String] = []
                batch.reserveCapacity(size)
                while batch.count < size, let next = traffic.next() {
                    batch.append(KafkaOutgoingMessage(topic: next.topic, key: Array(next.event.subject.rawValue.utf8),
                                                      value: Array(try MessageCoding.encode(next.event))))
                    ids.append(next.event.eventID)
                    perAgency[next.agency, default: 0] += 1
                }
                guard !batch.isEmpty else { break }
                if let rate {
                    let due = start + .nanoseconds(Int64(Double(sent) / rate * 1e9))
                    if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                }
                while inFlight >= 8, let done = try await group.next() {
                    inFlight -= 1
                    acknowledged += done
                    progress(acknowledged)
                }
                await published(ids, clock.now)
                sent += batch.count
                let outgoing = batch
                group.addTask { try await producer.send(outgoing).count }
                inFlight += 1
            }
            while let done = try await group.next() {
                acknowledged += done
                progress(acknowledged)
            }
        }
        return Summary(events: acknowledged, seconds: (clock.now - start).seconds, perAgency: perAgency)
    }
}
