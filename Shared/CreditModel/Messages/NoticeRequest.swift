import Foundation

/// `notice-request/1` (DESIGN §3, §7): a notice sanctions asks notification to deliver to a
/// subject. A sanction notice starts the appeal window when it is delivered.
public struct NoticeRequest: MessageSchema {
    /// `notice-request/1`.
    public static let schemaName = "notice-request/1"

    /// What the notice tells the subject.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// A sanction is proposed; the subject may appeal within `appeal_days` of delivery.
        case sanctionNotice = "sanction_notice"
        /// A reward was granted.
        case rewardInfo = "reward_info"
        /// A measure was lifted or withdrawn.
        case liftInfo = "lift_info"
    }

    /// The schema tag.
    public var schema = SchemaTag<NoticeRequest>()
    /// `MessageID.noticeRequest(caseID:kind:)`.
    public var id: String
    /// The case the notice is about.
    public var caseID: String
    /// The addressee (the subject of the case).
    public var subject: SubjectCode
    /// Sanction notice, reward information or lift information.
    public var kind: Kind
    /// The measures concerned.
    public var measures: [Measure]
    /// A one-line title for the subject.
    public var title: String
    /// The plain-language reasons: each event and rule (id@version) that led here.
    public var reasons: [String]
    /// Days after delivery within which the subject may appeal (sanction notices only).
    public var appealDays: Int?
    /// The code the subject quotes to appeal (`POST /v1/cases/{id}/appeal`), sanction notices only.
    public var appealCode: String?
    /// When sanctions asked for delivery.
    public var requestedAt: Date

    /// Creates a request; the id is derived from the case and kind.
    public init(caseID: String, subject: SubjectCode, kind: Kind, measures: [Measure], title: String,
                reasons: [String], appealDays: Int? = nil, appealCode: String? = nil, requestedAt: Date) {
        self.id = MessageID.noticeRequest(caseID: caseID, kind: kind)
        self.caseID = caseID
        self.subject = subject
        self.kind = kind
        self.measures = measures
        self.title = title
        self.reasons = reasons
        self.appealDays = appealDays
        self.appealCode = appealCode
        self.requestedAt = requestedAt
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema, id
        case caseID = "case_id"
        case subject, kind, measures, title, reasons
        case appealDays = "appeal_days"
        case appealCode = "appeal_code"
        case requestedAt = "requested_at"
    }
}
