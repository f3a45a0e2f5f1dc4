import CreditModel
import Foundation

/// The JSON body POSTed to a subject's webhook. `request_id` is stable across retries and
/// redeliveries, so a receiver de-duplicates by it (a crash between a successful POST and
/// recording it causes at most one resend).
public struct WebhookPayload: Codable, Sendable, Hashable {
    /// The notice request's id (the de-duplication key).
    public var requestID: String
    /// The case the notice is about.
    public var caseID: String
    /// The addressee.
    public var subject: String
    /// `sanction_notice`, `reward_info` or `lift_info`.
    public var kind: String
    /// One-line title.
    public var title: String
    /// The measures concerned.
    public var measures: [String]
    /// Plain-language reasons.
    public var reasons: [String]
    /// Days after delivery within which the subject may appeal (sanction notices).
    public var appealDays: Int?
    /// The code to quote when appealing (sanction notices).
    public var appealCode: String?
    /// The appeal deadline if this attempt is the delivery (sanction notices).
    public var appealDeadline: Date?
    /// When this attempt was made.
    public var sentAt: Date
    /// The plain-English letter.
    public var letter: String

    /// The payload of `request` sent at `sentAt` with its rendered `letter`.
    public init(request: NoticeRequest, sentAt: Date, letter: String) {
        requestID = request.id
        caseID = request.caseID
        subject = request.subject.rawValue
        kind = request.kind.rawValue
        title = request.title
        measures = request.measures.map(\.rawValue)
        reasons = request.reasons
        appealDays = request.appealDays
        appealCode = request.appealCode
        appealDeadline = LetterTemplates.appealDeadline(for: request, deliveredAt: sentAt)
        self.sentAt = sentAt
        self.letter = letter
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case caseID = "case_id"
        case subject, kind, title, measures, reasons
        case appealDays = "appeal_days"
        case appealCode = "appeal_code"
        case appealDeadline = "appeal_deadline"
        case sentAt = "sent_at"
        case letter
    }
}
