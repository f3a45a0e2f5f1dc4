import CreditModel
import Foundation
import KafkaClient
import Logging

/// Measures the time from an event's publication to its first `score-change/1` on
/// `scores.changed` and, for threshold crossings, to the `decision/1` on `sanctions.decisions`.
///
/// A score change names its event (`agency`, `event_id`); a decision is traced to its event by
/// ``DecisionTracer``, and one traced to no event of the run is counted as unmatched and left out.
/// Reads start at the watermarks taken before publication begins.
public actor LatencyCollector {
    private let consumer: KafkaConsumer
    private var tracer: DecisionTracer
    private var publishedAt: [String: ContinuousClock.Instant] = [:]
    private var scored: Set<String> = []
    private var decided: Set<String> = []
    private var scoreLatency = LatencyHistogram()
    private var producedLatency = LatencyHistogram()
    /// Publication → the accepted event handed to ingest's producer; nil unless asked for.
    private var acceptedLatency: LatencyHistogram?
    /// The wall clock at `clockBase`: Kafka timestamps are wall-clock milliseconds.
    private let wallBase = Date()
    private let clockBase = ContinuousClock.now
    private var scoreTimeline = LatencyTimeline()
    private var firstPublication: ContinuousClock.Instant?
    private var decisionLatency = LatencyHistogram()
    private var unmatched = 0
    private var stopped = false
    private var failure: (any Error)?
    private var loop: Task<Void, Never>?

    /// A collector reading `scores.changed` and `sanctions.decisions` at `bootstrap` from
    /// `startOffsets` (take them with `PipelineProbe.watermarks` before publishing);
    /// `statePolicies` maps each scheme to the ids of the state policies watching it. With
    /// `splittingHops` it also reads `events.accepted` (include its offsets), to time the first
    /// hop apart: that costs the run a consumer of every event, so it is asked for, not default.
    public init(bootstrap: String, startOffsets: [KafkaTopicPartition: Int64], statePolicies: [String: [String]],
                splittingHops: Bool = false, logger: Logger) throws {
        tracer = DecisionTracer(statePolicies: statePolicies)
        acceptedLatency = splittingHops ? LatencyHistogram() : nil
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap,
                                                       groupID: "bench-latency-\(UUID().uuidString.prefix(8))")
        configuration.properties["fetch.wait.max.ms"] = "5"
        consumer = try KafkaConsumer(configuration: configuration, logger: logger,
                                     onAssign: { partitions in startOffsets.filter { partitions.contains($0.key) } })
    }

    /// The state policies of `rulebook` by scheme.
    public static func statePolicies(of rulebook: Rulebook) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for policy in rulebook.policies {
            if case .state(let scheme, _) = policy.trigger { result[scheme, default: []].append(policy.id) }
        }
        return result
    }

    /// Subscribes, waits until the topics' partitions are assigned, then reads in the
    /// background until `finish()`.
    public func start(timeout: Duration = .seconds(30)) async throws {
        try await consumer.subscribe(topics: [Topics.scoresChanged, Topics.sanctionsDecisions]
                                     + (acceptedLatency == nil ? [] : [Topics.eventsAccepted]))
        let deadline = ContinuousClock.now + timeout
        while try await consumer.assignment().isEmpty {
            guard ContinuousClock.now < deadline else { throw LatencyCollectorError.notAssigned }
            handle(try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)), at: .now)
        }
        loop = Task { await self.readUntilStopped() }
    }

    private func readUntilStopped() async {
        while !stopped {
            do {
                let batch = try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(20))
                handle(batch, at: .now)
            } catch {
                failure = error
                return
            }
        }
    }

    /// Records that the events `ids` were handed to the producer at `instant`.
    public func published(_ ids: [String], at instant: ContinuousClock.Instant) {
        if firstPublication == nil { firstPublication = instant }
        for id in ids { publishedAt[id] = instant }
    }

    /// Events published so far.
    public var publishedCount: Int { publishedAt.count }

    /// Stops the loop, closes the consumer and returns the latencies.
    public func finish() async throws -> LatencyResult {
        stopped = true
        await loop?.value
        await consumer.close()
        if let failure { throw failure }
        return LatencyResult(published: publishedAt.count, scoreChange: LatencySummary(scoreLatency),
                             scoreChangeProduced: LatencySummary(producedLatency),
                             eventAcceptedProduced: acceptedLatency.map(LatencySummary.init),
                             scoreChangeBySecond: scoreTimeline.summaries, decision: LatencySummary(decisionLatency),
                             exactDecisions: tracer.exactDecisions, unmatchedDecisions: unmatched)
    }

    /// From `instant` to the wall-clock time `date` (same machine, so the clocks agree to well
    /// under the millisecond resolution of Kafka timestamps).
    private func wallDuration(from instant: ContinuousClock.Instant, to date: Date) -> Duration {
        .seconds(date.timeIntervalSince(wallBase.addingTimeInterval((instant - clockBase).timeInterval)))
    }

    private func handle(_ batch: [KafkaMessage], at now: ContinuousClock.Instant) {
        for message in batch {
            if message.topic == Topics.scoresChanged {
                guard let change = try? MessageCoding.decode(ScoreChange.self, from: message.value) else { continue }
                tracer.remember(change)
                guard let published = publishedAt[change.eventID] else { continue }
                if scored.insert(change.eventID).inserted {
                    scoreLatency.record(now - published)
                    if let produced = message.timestamp {
                        // The timestamp is rounded down to the millisecond: never before publication.
                        producedLatency.record(max(.zero, wallDuration(from: published, to: produced)))
                    }
                    scoreTimeline.record(now - published, publishedAfter: published - (firstPublication ?? published))
                }
            } else if message.topic == Topics.eventsAccepted {
                guard acceptedLatency != nil, let produced = message.timestamp,
                      let event = try? MessageCoding.decode(AcceptedEvent.self, from: message.value),
                      let published = publishedAt[event.eventID] else { continue }
                acceptedLatency?.record(max(.zero, wallDuration(from: published, to: produced)))
            } else if message.topic == Topics.sanctionsDecisions {
                guard let decision = try? MessageCoding.decode(Decision.self, from: message.value),
                      decided.insert(decision.caseID + "/" + decision.action.rawValue).inserted else { continue }
                guard let eventID = tracer.trigger(of: decision), let published = publishedAt[eventID] else {
                    unmatched += 1
                    continue
                }
                decisionLatency.record(now - published)
            }
        }
    }
}

/// Latency percentiles of one path, in milliseconds.
public struct LatencySummary: Codable, Sendable, Hashable {
    /// Samples.
    public var count: Int
    /// Median.
    public var p50Ms: Double
    /// 99th percentile.
    public var p99Ms: Double
    /// 99.9th percentile.
    public var p999Ms: Double
    /// Largest.
    public var maxMs: Double

    /// The summary of `histogram`.
    public init(_ histogram: LatencyHistogram) {
        count = Int(histogram.count)
        p50Ms = histogram.milliseconds(atQuantile: 0.5)
        p99Ms = histogram.milliseconds(atQuantile: 0.99)
        p999Ms = histogram.milliseconds(atQuantile: 0.999)
        maxMs = Double(histogram.maximum) / 1000
    }

    enum CodingKeys: String, CodingKey {
        case count
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case p999Ms = "p99_9_ms"
        case maxMs = "max_ms"
    }
}

/// What a latency run measured.
public struct LatencyResult: Codable, Sendable, Hashable {
    /// Events published.
    public var published: Int
    /// Publication → first score change of the event.
    public var scoreChange: LatencySummary
    /// Publication → that score change handed to scoring's producer (its Kafka timestamp, in
    /// whole milliseconds): ingest, two hops and scoring; the rest of `scoreChange` is the last
    /// hop, from scoring's producer through the broker to a consumer.
    public var scoreChangeProduced: LatencySummary
    /// Publication → the accepted event handed to ingest's producer (its Kafka timestamp):
    /// the first hop and ingest. Measured only when asked for (`--split-hops`).
    public var eventAcceptedProduced: LatencySummary?
    /// The same, by the second of the run in which the events were published.
    public var scoreChangeBySecond: [LatencySecond]
    /// Publication → decision (one sample per case and action).
    public var decision: LatencySummary
    /// Decisions traced to their event through the case id.
    public var exactDecisions: Int
    /// Decisions not traced to an event published in the run (left out of the latencies).
    public var unmatchedDecisions: Int

    enum CodingKeys: String, CodingKey {
        case published
        case scoreChange = "score_change"
        case scoreChangeProduced = "score_change_produced"
        case eventAcceptedProduced = "event_accepted_produced"
        case scoreChangeBySecond = "score_change_by_second"
        case decision
        case exactDecisions = "decisions_traced_by_case"
        case unmatchedDecisions = "decisions_unmatched"
    }
}

/// Why latency could not be measured.
public enum LatencyCollectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The consumer got no partitions.
    case notAssigned

    /// A plain-language description.
    public var description: String {
        switch self {
        case .notAssigned: "the latency consumer was not assigned any partition of scores.changed or sanctions.decisions"
        }
    }
}
