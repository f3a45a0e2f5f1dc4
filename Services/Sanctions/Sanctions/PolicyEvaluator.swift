import CreditModel
import Foundation

/// The rulebook's policies arranged for the sanctions service: which state policies watch a
/// scheme, which event kinds open or lift cases, and what a scheme's fresh subjects satisfy.
public struct PolicyEvaluator: Sendable {
    /// The rulebook the policies come from.
    public let rulebook: Rulebook

    /// Arranges `rulebook`'s policies.
    public init(rulebook: Rulebook) { self.rulebook = rulebook }

    /// The policy named `id`.
    public func policy(_ id: String) -> Policy? { rulebook.policies.first { $0.id == id } }

    /// State policies on `scheme` that apply to subjects of `type`, with their conditions.
    public func statePolicies(scheme: String, for type: SubjectType) -> [(policy: Policy, condition: Policy.StateCondition)] {
        rulebook.policies.compactMap { policy in
            guard policy.subjectTypes.contains(type), case .state(let watched, let condition) = policy.trigger,
                  watched == scheme else { return nil }
            return (policy, condition)
        }
    }

    /// Event policies that `kind` opens a case under, for subjects of `type`.
    public func policies(triggeredBy kind: EventKind, for type: SubjectType) -> [Policy] {
        rulebook.policies.filter { policy in
            guard policy.subjectTypes.contains(type), case .event(let trigger, _) = policy.trigger else { return false }
            return trigger == kind
        }
    }

    /// Event policies whose cases `kind` lifts, for subjects of `type`.
    public func policies(liftedBy kind: EventKind, for type: SubjectType) -> [Policy] {
        rulebook.policies.filter { policy in
            guard policy.subjectTypes.contains(type), case .event(_, let lifting) = policy.trigger else { return false }
            return lifting.contains(kind)
        }
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
