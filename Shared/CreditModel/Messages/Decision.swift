import Foundation

/// `decision/1` (DESIGN §3): a measure imposed, lifted, granted or revoked for one subject; what
/// enforcers consume from `sanctions.decisions`. Sanctions appear here only after due process.
public struct Decision: MessageSchema {
    /// `decision/1`.
    public static let schemaName = "decision/1"

    /// What happens to the measure.
    public enum Action: String, Codable, Sendable, Hashable, CaseIterable {
        /// A sanction takes effect (after notice and appeal window).
        case imposed
        /// A sanction ends (expiry, recovery, retraction or lifting event).
        case lifted
        /// A reward takes effect.
        case granted
        /// A reward ends.
        case revoked
    }

    /// The schema tag.
    public var schema = SchemaTag<Decision>()
    /// `MessageID.decision(caseID:measure:action:)`.
    public var id: String
    /// The sanctions case this decision belongs to.
    public var caseID: String
    /// The subject the measure binds (only ever the subject whose record caused it).
    public var subject: SubjectCode
    /// The measure.
    public var measure: Measure
    /// Imposed, lifted, granted or revoked.
    public var action: Action
    /// Why, in plain language.
    public var reason: String
    /// When the action takes effect.
    public var effectiveAt: Date
    /// When the measure ends by itself, if it does.
    public var expiresAt: Date?
    /// The policy that decided it, `id@version`.
    public var policy: String

    /// The id part of ``policy`` (case ids derive from it, without the version).
    public var policyID: String { policy.split(separator: "@", maxSplits: 1).first.map(String.init) ?? policy }

    /// Creates a decision; the id is derived from the case and action.
    public init(caseID: String, subject: SubjectCode, measure: Measure, action: Action, reason: String,
                effectiveAt: Date, expiresAt: Date? = nil, policy: String) {
        self.id = MessageID.decision(caseID: caseID, measure: measure, action: action)
        self.caseID = caseID
        self.subject = subject
        self.measure = measure
        self.action = action
        self.reason = reason
        self.effectiveAt = effectiveAt
        self.expiresAt = expiresAt
        self.policy = policy
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema, id
        case caseID = "case_id"
        case subject, measure, action, reason
        case effectiveAt = "effective_at"
        case expiresAt = "expires_at"
        case policy
    }
}
