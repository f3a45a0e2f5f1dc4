import CreditModel
import Foundation

/// Waits for the pipeline to absorb a run of events and notes when each stage finished:
/// ingest committed them all; scoring committed every accepted event (its ledger rows are
/// committed); sanctions committed every score change and accepted event and published its
/// outbox (every decision is out). Polls stored offsets every 50 ms.
public struct PipelineDrain: Sendable {
    /// The probe.
    public let probe: PipelineProbe
    /// The topology.
    public let topology: PipelineTopology
    /// Fails the wait when nothing moved for this long.
    public let stallTimeout: Duration

    /// A drain over `probe`.
    public init(probe: PipelineProbe, topology: PipelineTopology, stallTimeout: Duration = .seconds(90)) {
        self.probe = probe
        self.topology = topology
        self.stallTimeout = stallTimeout
    }

    /// When each stage finished.
    public struct Timeline: Sendable {
        /// The first poll that saw ingest commit part of the run, and the events it had then.
        public var firstCommit: ContinuousClock.Instant
        /// Events of the run ingest had committed at `firstCommit`.
        public var committedAtFirst: Int64
        /// Ingest committed the whole run.
        public var ingested: ContinuousClock.Instant
        /// Scoring committed every accepted event.
        public var scored: ContinuousClock.Instant
        /// Sanctions committed everything and emptied its outbox.
        public var decided: ContinuousClock.Instant
    }

    /// Ingest's committed count now: take it before publishing, as the run's baseline.
    public func baseline() async -> Int64 {
        await probe.committed("ingest", topics: topology.agencyTopics)
    }

    /// Accepted events both scoring and sanctions have committed (the stages that read each
    /// event last): take it before publishing, and the difference later is what a run's
    /// publication may count as absorbed.
    public func absorbed() async -> Int64 {
        async let scoring = probe.committed("scoring", topics: [Topics.eventsAccepted])
        async let sanctions = probe.committed("sanctions", topics: [Topics.eventsAccepted])
        return min(await scoring, await sanctions)
    }

    /// Waits until `events` events after `baseline` went through every stage. `alive` is
    /// called on every poll and should throw when a service died.
    public func wait(events: Int, baseline: Int64, alive: @Sendable () throws -> Void) async throws -> Timeline {
        let target = baseline + Int64(events)
        var first: (ContinuousClock.Instant, Int64)?
        var ingested: ContinuousClock.Instant?, scored: ContinuousClock.Instant?
        var acceptedTarget: Int64?, changesTarget: Int64?
        var lastProgress = ContinuousClock.now
        var lastState: [Int64] = []
        while true {
            try alive()
            let ingest = await probe.committed("ingest", topics: topology.agencyTopics)
            let now = ContinuousClock.now
            if first == nil, ingest > baseline { first = (now, ingest - baseline) }
            if ingested == nil, ingest >= target, await probe.outbox("ingest") == 0 {
                ingested = now
                acceptedTarget = try await probe.produced([Topics.eventsAccepted])
            }
            let scoring = await probe.committed("scoring", topics: [Topics.eventsAccepted])
            if scored == nil, let acceptedTarget, scoring >= acceptedTarget, await probe.outbox("scoring") == 0 {
                scored = now
                changesTarget = try await probe.produced([Topics.scoresChanged])
            }
            let changes = await probe.committed("sanctions", topics: [Topics.scoresChanged])
            let sanctioned = await probe.committed("sanctions", topics: [Topics.eventsAccepted])
            if let acceptedTarget, let changesTarget, let first, let ingested, let scored,
               changes >= changesTarget, sanctioned >= acceptedTarget, await probe.outbox("sanctions") == 0 {
                return Timeline(firstCommit: first.0, committedAtFirst: first.1, ingested: ingested, scored: scored, decided: now)
            }
            let state = [ingest, scoring, changes, sanctioned]
            if state != lastState {
                lastState = state
                lastProgress = now
            } else if now - lastProgress > stallTimeout {
                throw PipelineDrainError.stalled(
                    "ingest committed \(ingest - baseline) of \(events) events, scoring \(scoring) of \(acceptedTarget.map(String.init) ?? "?") "
                        + "accepted, sanctions \(changes) of \(changesTarget.map(String.init) ?? "?") score changes and \(sanctioned) accepted; "
                        + "no progress for \(stallTimeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// The pipeline did not absorb a run.
public enum PipelineDrainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing moved for too long.
    case stalled(String)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .stalled(let state): "the pipeline stalled: \(state)"
        }
    }
}
