import CreditModel
import Foundation
import KafkaClient

/// Publishes a synthetic stream to the agency topics (`agency.<id>.events`, keyed by subject):
/// as fast as the producer takes it, or paced to a rate. Batches go out in order with up to 8
/// awaiting acknowledgement (a retraction never overtakes its target); a failed delivery fails
/// the run.
public struct EventPublisher: Sendable {
    /// The producer (idempotent; owned by the caller).
    public let producer: KafkaProducer
    /// Most events per batch handed to the producer.
    public let batchSize: Int
    /// How often a paced run hands a batch to the producer: each batch holds the events due in
    /// one interval (on the dev broker each batch is one message set per agency topic, and every
    /// message set costs each consumer group a walk of the partition's list).
    public let interval: Duration

    /// A publisher over `producer`.
    public init(producer: KafkaProducer, batchSize: Int = 1000, interval: Duration = .milliseconds(10)) {
        self.producer = producer
        self.batchSize = max(1, batchSize)
        self.interval = max(interval, .milliseconds(1))
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

    /// Sends every remaining event of `traffic`, at most `rate` per second (nil: unpaced),
    /// encoding each batch just before it goes out (for streams too long to hold encoded).
    /// `published` is called with each batch's event ids and the instant they were handed to
    /// the producer (the events' publication time); `progress` with the count acknowledged.
    public func publish(_ traffic: inout SyntheticTraffic, rate: Double? = nil,
                        published: @Sendable ([String], ContinuousClock.Instant) async -> Void = { _, _ in },
                        progress: (Int) -> Void = { _ in }) async throws -> Summary {
        var perAgency: [String: Int] = [:]
        let sent = try await send(rate: rate, window: nil, published: published, progress: progress) { size in
            var batch = EncodedTraffic()
            while batch.messages.count < size, let next = traffic.next() {
                try batch.append(next)
            }
            for (agency, count) in batch.perAgency { perAgency[agency, default: 0] += count }
            return batch.messages.isEmpty ? nil : (batch.messages, batch.eventIDs)
        }
        return Summary(events: sent.events, seconds: sent.seconds, perAgency: perAgency)
    }

    /// Sends `encoded` (made before the clock starts, so that a timed run measures the
    /// pipeline rather than the generator and its JSON encoding), at most `rate` per second,
    /// and never more than `window` ahead of what the pipeline absorbed.
    public func publish(_ encoded: EncodedTraffic, rate: Double? = nil, window: BacklogWindow? = nil,
                        published: @Sendable ([String], ContinuousClock.Instant) async -> Void = { _, _ in },
                        progress: (Int) -> Void = { _ in }) async throws -> Summary {
        var position = 0
        let sent = try await send(rate: rate, window: window, published: published, progress: progress) { size in
            guard position < encoded.messages.count else { return nil }
            let end = min(position + size, encoded.messages.count)
            defer { position = end }
            return (Array(encoded.messages[position..<end]), Array(encoded.eventIDs[position..<end]))
        }
        return Summary(events: sent.events, seconds: sent.seconds, perAgency: encoded.perAgency)
    }

    /// The events of each batch: unpaced, `limit`; paced at `rate`, one `interval`'s worth (at
    /// least one, at most `limit`). Never more than `window`, or the first batch would wait for
    /// itself.
    public static func eventsPerBatch(rate: Double?, interval: Duration, limit: Int, window: Int?) -> Int {
        let paced = rate.map { max(1, min(limit, Int(($0 * (interval / .seconds(1))).rounded(.up)))) }
        return min(paced ?? limit, window ?? .max)
    }

    /// Sends the batches `next` makes (each at most the size it is given) until it returns nil;
    /// returns the events acknowledged and the seconds from the first send to the last
    /// acknowledgement.
    private func send(rate: Double?, window: BacklogWindow?, published: @Sendable ([String], ContinuousClock.Instant) async -> Void,
                      progress: (Int) -> Void,
                      next: (Int) throws -> ([KafkaOutgoingMessage], [String])?) async throws -> (events: Int, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let size = Self.eventsPerBatch(rate: rate, interval: interval, limit: batchSize, window: window?.events)
        var sent = 0, acknowledged = 0
        var absorbed = 0
        let producer = producer
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = 0
            while let (batch, ids) = try next(size) {
                if let rate {
                    let due = start + .nanoseconds(Int64(Double(sent) / rate * 1e9))
                    if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                }
                if let window, sent + batch.count - absorbed > window.events {
                    absorbed = try await window.wait(until: sent + batch.count - window.events)
                }
                while inFlight >= 8, let done = try await group.next() {
                    inFlight -= 1
                    acknowledged += done
                    progress(acknowledged)
                }
                await published(ids, clock.now)
                sent += batch.count
                // Handed over here, in order; only the acknowledgements are awaited concurrently.
                let pending = try await producer.enqueue(batch)
                group.addTask { try await pending.acknowledgements().count }
                inFlight += 1
            }
            while let done = try await group.next() {
                acknowledged += done
                progress(acknowledged)
            }
        }
        return (acknowledged, (clock.now - start).seconds)
    }
}

/// How far publication may run ahead of the pipeline: at most `events` published and not yet
/// absorbed. A burst larger than the dev broker's retention (5 MiB per partition) would lose
/// messages before they are read; a window lets a throughput run use few partitions.
public struct BacklogWindow: Sendable {
    /// Events published and not yet absorbed, at most.
    public var events: Int
    /// Events of this run absorbed so far (e.g. committed by the last stages).
    public var absorbed: @Sendable () async -> Int
    /// Fails the wait when nothing was absorbed for this long.
    public var stallTimeout: Duration

    /// A window of `events` over `absorbed`.
    public init(events: Int, stallTimeout: Duration = .seconds(90), absorbed: @escaping @Sendable () async -> Int) {
        self.events = max(1, events)
        self.stallTimeout = stallTimeout
        self.absorbed = absorbed
    }

    /// Waits until at least `target` events are absorbed and returns the count; throws when
    /// the count stops moving for `stallTimeout`.
    public func wait(until target: Int) async throws -> Int {
        var count = await absorbed()
        var last = count, lastMove = ContinuousClock.now
        while count < target {
            try await Task.sleep(for: .milliseconds(20))
            count = await absorbed()
            if count != last {
                last = count
                lastMove = .now
            } else if ContinuousClock.now - lastMove > stallTimeout {
                throw BacklogWindowError.stalled(absorbed: count, waitingFor: target)
            }
        }
        return count
    }
}

/// Publication waited in vain for the pipeline.
public enum BacklogWindowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing was absorbed for the window's stall timeout.
    case stalled(absorbed: Int, waitingFor: Int)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .stalled(let absorbed, let target):
            "the pipeline stopped absorbing events: \(absorbed) absorbed, publication waits for \(target)"
        }
    }
}

/// Agency messages encoded ahead of sending: what ``EventPublisher`` produces, in order.
public struct EncodedTraffic: Sendable {
    /// The messages (agency topic, subject key, `event/1` JSON).
    public private(set) var messages: [KafkaOutgoingMessage] = []
    /// Each message's event id.
    public private(set) var eventIDs: [String] = []
    /// Events per agency.
    public private(set) var perAgency: [String: Int] = [:]

    /// Nothing yet.
    public init() {}

    /// Every remaining event of `traffic`, encoded.
    public init(_ traffic: inout SyntheticTraffic) throws {
        while let next = traffic.next() { try append(next) }
    }

    /// Encodes one event and appends it.
    mutating func append(_ next: SyntheticEvent) throws {
        messages.append(KafkaOutgoingMessage(topic: next.topic, key: Array(next.event.subject.rawValue.utf8),
                                             value: Array(try MessageCoding.encode(next.event))))
        eventIDs.append(next.event.eventID)
        perAgency[next.agency, default: 0] += 1
    }
}
