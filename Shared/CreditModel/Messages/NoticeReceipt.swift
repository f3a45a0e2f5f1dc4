import Foundation

/// `notice-receipt/1` (DESIGN §3): notification's report that a notice was delivered (the time
/// starts the appeal window) or failed permanently.
public struct NoticeReceipt: MessageSchema {
    /// `notice-receipt/1`.
    public static let schemaName = "notice-receipt/1"

    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        /// Delivered at `delivered_at`.
        case delivered
        /// Failed permanently; `reason` says why.
        case failed
    }

    /// How the notice was delivered.
    public enum Channel: String, Codable, Sendable, Hashable, CaseIterable {
        /// The subject's webhook.
        case webhook
        /// The mailbox directory (`.run/mailbox`).
        case mailbox
    }

    /// The schema tag.
    public var schema = SchemaTag<NoticeReceipt>()
    /// `MessageID.noticeReceipt(requestID:status:)`.
    public var id: String
    /// The notice request's id.
    public var requestID: String
    /// The case of the notice.
    public var caseID: String
    /// The addressee.
    public var subject: SubjectCode
    /// Delivered or failed.
    public var status: Status
    /// When it was delivered (nil when failed).
    public var deliveredAt: Date?
    /// Why it failed (nil when delivered).
    public var reason: String?
    /// The channel used (or last tried).
    public var channel: Channel

    /// Creates a receipt for `request`; the id is derived from the request and status.
    public init(request: NoticeRequest, status: Status, deliveredAt: Date?, reason: String? = nil,
                channel: Channel) {
        self.id = MessageID.noticeReceipt(requestID: request.id, status: status)
        self.requestID = request.id
        self.caseID = request.caseID
        self.subject = request.subject
        self.status = status
        self.deliveredAt = deliveredAt
        self.reason = reason
        self.channel = channel
    }

    /// Creates a receipt from all its members (as read from a message; nothing is derived).
    init(id: String, requestID: String, caseID: String, subject: SubjectCode, status: Status, deliveredAt: Date?,
         reason: String?, channel: Channel) {
        self.id = id
        self.requestID = requestID
        self.caseID = caseID
        self.subject = subject
        self.status = status
        self.deliveredAt = deliveredAt
        self.reason = reason
        self.channel = channel
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema, id
        case requestID = "request_id"
        case caseID = "case_id"
        case subject, status
        case deliveredAt = "delivered_at"
        case reason, channel
    }
}
