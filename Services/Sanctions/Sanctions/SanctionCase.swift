import CreditModel
import Foundation

/// One case as stored: a policy's measures for one subject, with its due-process dates.
public struct SanctionCase: Sendable, Hashable, Codable {
    /// The case id (derived from subject, policy and cause).
    public var id: String
    /// The subject the measures bind: only ever the subject whose record caused them.
    public var subject: SubjectCode
    /// The policy's id.
    public var policyID: String
    /// The policy's version when the case opened.
    public var policyVersion: Int
    /// Sanction or reward.
    public var kind: CaseKind
    /// The current state.
    public var state: CaseState
    /// What caused the case (`event:<agency>/<event id>` or `change:<score change id>`).
    public var cause: String
    /// The measures.
    public var measures: [Measure]
    /// Plain-language reasons: the policy's, and each event and rule behind it.
    public var reasons: [String]
    /// Days to appeal after the notice is delivered (0 for rewards).
    public var appealDays: Int
    /// When the case opened.
    public var openedAt: Date
    /// When the notice was delivered.
    public var deliveredAt: Date?
    /// The end of the appeal window.
    public var appealDeadline: Date?
    /// When the subject appealed.
    public var appealedAt: Date?
    /// Why the notice could not be delivered, if it could not.
    public var noticeFailure: String?
    /// When the measures took effect.
    public var activeSince: Date?
    /// When the case was lifted or withdrawn.
    public var closedAt: Date?
    /// When the active measures end by the policy's duration (nil: until lifted otherwise).
    public var expiresAt: Date? = nil
    /// How many days the measures last once active, fixed by the policy version the case opened
    /// under (nil: until lifted otherwise).
    public var durationDays: Int? = nil

    /// `policy_id@version`, as named in decisions.
    public var policyReference: String { "\(policyID)@\(policyVersion)" }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case id = "case_id"
        case subject
        case policyID = "policy_id"
        case policyVersion = "policy_version"
        case kind, state, cause, measures, reasons
        case appealDays = "appeal_days"
        case openedAt = "opened_at"
        case deliveredAt = "delivered_at"
        case appealDeadline = "appeal_deadline"
        case appealedAt = "appealed_at"
        case noticeFailure = "notice_failure"
        case activeSince = "active_since"
        case closedAt = "closed_at"
        case expiresAt = "expires_at"
        case durationDays = "duration_days"
    }
}

/// One stored state change of a case.
public struct CaseTransition: Sendable, Hashable, Codable {
    /// The state before (nil when the case opened).
    public var from: CaseState?
    /// The state after.
    public var to: CaseState
    /// When (business time).
    public var at: Date
    /// Who: `policy:<id>@<version>`, `system:deadline`, `subject`, `officer:<name>`, ...
    public var actor: String
    /// Why, in plain language.
    public var reason: String
}

/// One enforcer lookup of a public list that concerned a subject.
public struct ListLookup: Sendable, Hashable, Codable {
    /// `blacklist` or `redlist`.
    public var list: String
    /// The enforcer (named by its token).
    public var enforcer: String
    /// The purpose the enforcer gave.
    public var purpose: String
    /// Whether the subject was on the list at the time.
    public var listed: Bool
    /// When.
    public var at: Date
}
