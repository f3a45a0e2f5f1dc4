/// The answer of sanctions' `GET /v1/subjects/{code}/cases`: every case with its history,
/// and every public-list lookup about the subject.
public struct CasesAnswer: Codable, Sendable, Hashable {
    /// One stored state change.
    public struct Transition: Codable, Sendable, Hashable {
        /// The state before (nil when the case opened).
        public var from: String?
        /// The state after.
        public var to: String
        /// When (business time, RFC 3339).
        public var at: String
        /// Who: `policy:<id>@<v>`, `notification`, `system:deadline`, `subject`, `officer:<name>`, `agency:<id>`.
        public var actor: String
        /// Why.
        public var reason: String
    }

    /// One case: a policy's measures for the subject and its due process.
    public struct Case: Codable, Sendable, Hashable {
        /// The case id.
        public var caseID: String
        /// The policy's id.
        public var policyID: String
        /// The policy's version.
        public var policyVersion: Int
        /// `sanction` or `reward`.
        public var kind: String
        /// `proposed`, `noticed`, `under_appeal`, `active`, `lifted` or `withdrawn`.
        public var state: String
        /// `event:<agency>/<event id>` or `change:<score change id>`.
        public var cause: String
        /// The measures.
        public var measures: [String]
        /// The reasons, in plain language.
        public var reasons: [String]
        /// Days to appeal after delivery.
        public var appealDays: Int
        /// When the case opened.
        public var openedAt: String
        /// When the notice was delivered.
        public var deliveredAt: String?
        /// The end of the appeal window.
        public var appealDeadline: String?
        /// When the measures took effect.
        public var activeSince: String?
        /// When the case was lifted or withdrawn.
        public var closedAt: String?
        /// The state changes, in order.
        public var transitions: [Transition]

        enum CodingKeys: String, CodingKey {
            case caseID = "case_id"
            case policyID = "policy_id"
            case policyVersion = "policy_version"
            case kind, state, cause, measures, reasons
            case appealDays = "appeal_days"
            case openedAt = "opened_at"
            case deliveredAt = "delivered_at"
            case appealDeadline = "appeal_deadline"
            case activeSince = "active_since"
            case closedAt = "closed_at"
            case transitions
        }
    }

    /// One enforcer lookup that concerned the subject.
    public struct Lookup: Codable, Sendable, Hashable {
        /// `blacklist` or `redlist`.
        public var list: String
        /// The enforcer.
        public var enforcer: String
        /// The purpose it gave.
        public var purpose: String
        /// Whether the subject was listed then.
        public var listed: Bool
        /// When.
        public var at: String
    }

    /// The subject code.
    public var subject: String
    /// The cases, oldest first.
    public var cases: [Case]
    /// The list lookups, oldest first.
    public var listLookups: [Lookup]

    /// The subject's cases under `policy`, oldest first.
    public func cases(of policy: String) -> [Case] { cases.filter { $0.policyID == policy } }

    enum CodingKeys: String, CodingKey {
        case subject, cases
        case listLookups = "list_lookups"
    }
}

/// The answer of an appeal or a review: the case's new state.
public struct CaseStateAnswer: Codable, Sendable, Hashable {
    /// The case id.
    public var caseID: String
    /// Its state now.
    public var state: String
    /// The end of its appeal window, once the notice was delivered.
    public var appealDeadline: String?

    enum CodingKeys: String, CodingKey {
        case caseID = "case_id"
        case state
        case appealDeadline = "appeal_deadline"
    }
}
