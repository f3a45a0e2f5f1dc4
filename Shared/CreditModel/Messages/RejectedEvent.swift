import Foundation

/// `rejected-event/1` (DESIGN §3, §9): a dead letter on `events.rejected`, keeping the raw bytes
/// so nothing is lost, with where it came from and why it was rejected.
public struct RejectedEvent: MessageSchema {
    /// `rejected-event/1`.
    public static let schemaName = "rejected-event/1"

    /// The schema tag.
    public var schema = SchemaTag<RejectedEvent>()
    /// `MessageID.rejected(source:agency:raw:)`.
    public var id: String
    /// The agency, if known (from the topic or token).
    public var agency: String?
    /// The message's `event_id`, if one could be read.
    public var eventID: String?
    /// The raw message bytes, base64.
    public var raw: String
    /// Where ingest received it.
    public var source: EventSource
    /// The reason code.
    public var reason: RejectionReason
    /// What is wrong, in plain language.
    public var message: String
    /// When ingest rejected it.
    public var rejectedAt: Date

    /// Creates a dead letter for `raw` bytes; the id is derived from the source (and bytes, for HTTP).
    public init(raw: some Collection<UInt8>, source: EventSource, agency: String?, eventID: String?,
                error: MessageError, rejectedAt: Date) {
        let bytes = Array(raw)
        self.id = MessageID.rejected(source: source, agency: agency, raw: bytes)
        self.agency = agency
        self.eventID = eventID
        self.raw = Data(bytes).base64EncodedString()
        self.source = source
        self.reason = error.reason
        self.message = error.message
        self.rejectedAt = rejectedAt
    }

    /// The raw bytes, decoded from base64 (nil if `raw` is not base64).
    public var rawBytes: Data? { Data(base64Encoded: raw) }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema, id, agency
        case eventID = "event_id"
        case raw, source, reason, message
        case rejectedAt = "rejected_at"
    }
}
