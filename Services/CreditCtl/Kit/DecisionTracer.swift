import CreditModel

/// Tells which event caused a decision, from the score changes seen before it: what the
/// benchmark measures a decision's latency from (see `LatencyCollector`).
///
/// - A case opening (`granted`, `imposed`) is traced through its case id, which is derived from
///   its cause: the score change that entered a state policy's threshold, or the event of an
///   event policy (`MessageID.sanctionsCase`). The ids are derived when a decision arrives, for
///   that subject's recent changes only: deriving them for every score change (a SHA-256 per
///   state policy) was a tenth of the benchmark's CPU, which it takes from the pipeline it
///   measures.
/// - A closing of a state policy (`lifted`, `revoked`) is traced to the subject's latest change
///   on the policy's scheme: the change that left the threshold.
/// - Untraceable, so left out: a decision whose change compensates (a retraction or an expiry),
///   since such a change names the original event, not the retracting event or the passing
///   time that caused it (a revocation after a retraction measured 1.97 s from the retracted
///   event's publication); and a closing of an event policy, whose lifting event need not change
///   any score, so that the subject's latest change can be an older, unrelated one.
public struct DecisionTracer: Sendable {
    /// The scheme of each state policy (an event policy has none).
    private let schemeOfPolicy: [String: String]
    /// The latest score changes of each subject, oldest first.
    private var recentChanges: [String: [RecentChange]] = [:]
    /// Decisions traced through their case id so far.
    public private(set) var exactDecisions = 0

    /// A tracer for the state policies `statePolicies` (scheme → policy ids).
    public init(statePolicies: [String: [String]]) {
        schemeOfPolicy = Dictionary(statePolicies.flatMap { scheme, policies in policies.map { ($0, scheme) } },
                                    uniquingKeysWith: { first, _ in first })
    }

    /// Keeps `change` among its subject's latest few (every change, whichever event it names:
    /// one left out could leave an older change looking like the latest).
    public mutating func remember(_ change: ScoreChange) {
        var changes = recentChanges.removeValue(forKey: change.subject.rawValue) ?? []
        if changes.count == Self.changesKept { changes.removeFirst() }
        changes.append(RecentChange(id: change.id, scheme: change.scheme, agency: change.agency, eventID: change.eventID,
                                    cause: change.cause))
        recentChanges[change.subject.rawValue] = changes
    }

    /// The id of the event that caused `decision`, if it can be told (see the type's doc).
    public mutating func trigger(of decision: Decision) -> String? {
        let changes = recentChanges[decision.subject.rawValue] ?? []
        let policyID = decision.policyID
        let scheme = schemeOfPolicy[policyID]
        let change: RecentChange?
        switch decision.action {
        case .granted, .imposed:
            change = changes.last { change in
                let cause = scheme == nil
                    ? MessageID.sanctionsCaseCause(agency: change.agency, eventID: change.eventID)
                    : MessageID.sanctionsCaseCause(scoreChange: change.id)
                return MessageID.sanctionsCase(subject: decision.subject, policyID: policyID, cause: cause) == decision.caseID
            }
            guard let change, change.cause == .event else { return nil }
            exactDecisions += 1
            return change.eventID
        case .lifted, .revoked:
            guard let scheme else { return nil }
            change = changes.last { $0.scheme == scheme }
            guard let change, change.cause == .event else { return nil }
            return change.eventID
        }
    }

    /// What the tracer keeps of a score change.
    private struct RecentChange: Sendable {
        var id: String
        var scheme: String
        var agency: String
        var eventID: String
        var cause: ScoreChange.Cause
    }

    /// Score changes kept per subject (a subject rarely has more within the seconds a decision
    /// takes).
    static let changesKept = 8
}
