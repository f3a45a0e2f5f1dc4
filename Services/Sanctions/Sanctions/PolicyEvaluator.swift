import CreditModel
import Foundation

/// The rulebook's policies arranged for the sanctions service: which state policies watch a
/// scheme, which event kinds open or lift cases, and what a scheme's fresh subjects satisfy.
public struct PolicyEvaluator: Sendable {
    /// The rulebook the policies come from.
    public let rulebook: Rulebook

    /// The policies per subject type, with their triggers unpacked: the lookups below run
    /// several times for every consumed message, and filtering the rulebook each time (a set
    /// lookup of the subject type per policy) was 5 % of sanctions' CPU at full load.
    private let byType: [SubjectType: [ArrangedPolicy]]

    /// A policy with its trigger unpacked.
    private struct ArrangedPolicy: Sendable {
        var policy: Policy
        /// For a state policy: the scheme it watches and its condition.
        var state: (scheme: String, condition: Policy.StateCondition)?
        /// For an event policy: the kind that opens its case and those that lift it.
        var event: (kind: EventKind, liftedBy: [EventKind])?
    }

    /// Arranges `rulebook`'s policies.
    public init(rulebook: Rulebook) {
        self.rulebook = rulebook
        byType = Dictionary(uniqueKeysWithValues: SubjectType.allCases.map { type in
            (type, rulebook.policies.filter { $0.subjectTypes.contains(type) }.map { policy in
                switch policy.trigger {
                case .state(let scheme, let condition): ArrangedPolicy(policy: policy, state: (scheme, condition), event: nil)
                case .event(let kind, let liftedBy): ArrangedPolicy(policy: policy, state: nil, event: (kind, liftedBy))
                }
            })
        })
    }

    /// The policies that apply to subjects of `type`.
    private func arranged(for type: SubjectType) -> [ArrangedPolicy] { byType[type] ?? [] }

    /// The policy named `id`.
    public func policy(_ id: String) -> Policy? { rulebook.policies.first { $0.id == id } }

    /// State policies on `scheme` that apply to subjects of `type`, with their conditions.
    public func statePolicies(scheme: String, for type: SubjectType) -> [(policy: Policy, condition: Policy.StateCondition)] {
        arranged(for: type).compactMap { arranged in
            guard let state = arranged.state, state.scheme == scheme else { return nil }
            return (arranged.policy, state.condition)
        }
    }

    /// Whether `change` enters or leaves the condition of a state policy on its scheme: the
    /// state before it (`pointsAfter - delta` points, and their grade) against the state after.
    ///
    /// A change that crosses no condition cannot open or close a state policy's case: the
    /// engine acts only where a condition flips, and the stored condition of a subject whose
    /// changes arrive in order (one partition per subject) is the state before this change.
    /// Such changes are most of them (at least 85 % in the benchmark), so skipping them spares
    /// the `processed_messages` insert and the condition and case reads they used to pay.
    public func crossesStatePolicy(_ change: ScoreChange) -> Bool {
        let watching = statePolicies(scheme: change.scheme, for: change.subject.type)
        guard !watching.isEmpty else { return false }
        guard change.delta != 0 else { return false }
        let pointsBefore = change.pointsAfter - change.delta
        let gradeBefore = rulebook.scheme(change.scheme)?.grade(for: pointsBefore)
        return watching.contains { _, condition in
            condition.holds(points: pointsBefore, grade: gradeBefore) != condition.holds(points: change.pointsAfter, grade: change.gradeAfter)
        }
    }

    /// Event policies that `kind` opens a case under, for subjects of `type`.
    public func policies(triggeredBy kind: EventKind, for type: SubjectType) -> [Policy] {
        arranged(for: type).compactMap { $0.event?.kind == kind ? $0.policy : nil }
    }

    /// Event policies whose cases `kind` lifts, for subjects of `type`.
    public func policies(liftedBy kind: EventKind, for type: SubjectType) -> [Policy] {
        arranged(for: type).compactMap { $0.event?.liftedBy.contains(kind) == true ? $0.policy : nil }
    }

    /// Whether `condition` holds for a subject with no entries on `scheme` (its initial points),
    /// the state before the first score change the service sees.
    public func holdsInitially(_ condition: Policy.StateCondition, scheme: String) -> Bool {
        guard let definition = rulebook.scheme(scheme) else { return false }
        return condition.holds(points: definition.initialPoints, grade: definition.grade(for: definition.initialPoints))
    }

    /// The plain-language line of a score change for a notice: the event, the rule and the result.
    public static func describe(_ change: ScoreChange) -> String {
        let grade = change.gradeAfter.map { ", grade \($0)" } ?? ""
        let cause = switch change.cause {
        case .event: "\(change.agency) reported \(change.kind) (event \(change.eventID)) on \(RFC3339.format(change.occurredAt))"
        case .retraction: "\(change.agency) retracted event \(change.eventID) (\(change.kind))"
        case .expiry: "points of event \(change.eventID) (\(change.kind)) expired"
        }
        return "\(cause); rule \(change.rule): \(change.reason) (\(change.delta > 0 ? "+" : "")\(change.delta) points on \(change.scheme), now \(change.pointsAfter)\(grade))"
    }

    /// The plain-language line of an accepted event for a notice.
    public static func describe(_ event: AcceptedEvent) -> String {
        "\(event.agency) reported \(event.kind) (event \(event.eventID)) on \(RFC3339.format(event.occurredAt))"
    }
}
