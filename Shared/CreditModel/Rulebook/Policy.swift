
/// A policy (DESIGN §6): when a scheme state or an event calls for measures on the subject.
/// Policies are applied by the sanctions service; the scoring service validates them because
/// they live in the same rulebook document, and uses them for what-if reports.
public struct Policy: Sendable, Hashable {
    /// What starts (and stops) the measures.
    public enum Trigger: Sendable, Hashable {
        /// While the subject's state on `scheme` satisfies `condition`; lifted (or revoked, for
        /// rewards) as soon as it no longer does.
        case state(scheme: String, condition: StateCondition)
        /// An event of `kind` imposes the measures; an event of one of `liftedBy` lifts them.
        case event(kind: EventKind, liftedBy: [EventKind])
    }

    /// A condition on a scheme state.
    public enum StateCondition: Sendable, Hashable, CustomStringConvertible {
        /// The grade is one of these.
        case gradeIn([String])
        /// Points at most this.
        case pointsAtMost(Int)
        /// Points at least this.
        case pointsAtLeast(Int)

        /// Whether `points` with `grade` satisfy it.
        public func holds(points: Int, grade: String?) -> Bool {
            switch self {
            case .gradeIn(let grades): grade.map(grades.contains) ?? false
            case .pointsAtMost(let limit): points <= limit
            case .pointsAtLeast(let limit): points >= limit
            }
        }

        /// E.g. `grade in [D]`.
        public var description: String {
            switch self {
            case .gradeIn(let grades): "grade in [\(grades.joined(separator: ", "))]"
            case .pointsAtMost(let limit): "points <= \(limit)"
            case .pointsAtLeast(let limit): "points >= \(limit)"
            }
        }
    }

    /// The stable id.
    public var id: String
    /// Bumped when the policy's effect changes.
    public var version: Int
    /// What starts and stops the measures.
    public var trigger: Trigger
    /// The subject types the policy applies to.
    public var subjectTypes: Set<SubjectType>
    /// The measures (all sanctions or all rewards).
    public var measures: [Measure]
    /// Days the subject may appeal after receiving the notice (sanctions; 0 for rewards,
    /// which are granted at once with a notice).
    public var appealDays: Int
    /// Plain-language reason for the notice.
    public var reason: String
    /// Days the measures last once they take effect; nil means until a lifting condition
    /// (recovery, a lifting event, retraction) ends them.
    public var durationDays: Int?

    /// Creates a policy.
    public init(id: String, version: Int, trigger: Trigger, subjectTypes: Set<SubjectType>, measures: [Measure],
                appealDays: Int, reason: String, durationDays: Int? = nil) {
        self.id = id
        self.version = version
        self.trigger = trigger
        self.subjectTypes = subjectTypes
        self.measures = measures
        self.appealDays = appealDays
        self.reason = reason
        self.durationDays = durationDays
    }

    /// Whether the measures are rewards (granted at once) rather than sanctions.
    public var grantsRewards: Bool { measures.allSatisfy(\.isReward) }
}
