import Foundation

/// One notice as `GET /v1/subjects/{code}/notices` shows it: what it is about, its delivery
/// status and times.
public struct NoticeSummary: Codable, Sendable, Hashable {
    /// The notice request's id.
    public var requestID: String
    /// The case it is about.
    public var caseID: String
    /// `sanction_notice`, `reward_info` or `lift_info`.
    public var kind: String
    /// Its one-line title.
    public var title: String
    /// `pending`, `delivered` or `failed`.
    public var status: String
    /// `webhook` or `mailbox` once an attempt was made.
    public var channel: String?
    /// Delivery attempts made so far.
    public var attempts: Int
    /// When sanctions asked for delivery.
    public var requestedAt: Date
    /// When this service recorded the request.
    public var receivedAt: Date
    /// When it was delivered (this starts the appeal window of a sanction notice).
    public var deliveredAt: Date?
    /// When delivery failed permanently.
    public var failedAt: Date?
    /// The last delivery error (the failure reason once failed).
    public var lastError: String?

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case caseID = "case_id"
        case kind, title, status, channel, attempts
        case requestedAt = "requested_at"
        case receivedAt = "received_at"
        case deliveredAt = "delivered_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
    }
}
