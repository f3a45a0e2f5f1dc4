import Foundation

/// `agency-event/1` (DESIGN §3): one raw report from an agency. The agency is named by the topic
/// (or the HTTP token), not by the payload.
///
/// Untrusted input is read with `AgencyEvent.parse(_:now:agency:registry:)`, which returns the
/// specific rejection reason; `Decodable` runs the same checks (against the current time).
public struct AgencyEvent: MessageSchema {
    /// `agency-event/1`.
    public static let schemaName = "agency-event/1"

    /// The schema tag.
    public var schema = SchemaTag<AgencyEvent>()
    /// The agency's id for this event, unique per agency (the idempotency key), 1–128 characters.
    public var eventID: String
    /// Whom the event concerns.
    public var subject: SubjectCode
    /// What happened (a catalog kind applicable to the subject's type).
    public var kind: EventKind
    /// When it happened, as sent (RFC 3339); kept verbatim so the event re-encodes byte-for-byte.
    public var occurredAtText: String
    /// When it happened.
    public var occurredAt: Date
    /// Free-form details; some kinds require attributes (`severity`, `hours`).
    public var attributes: [String: JSONValue]
    /// An optional reference to evidence (case number, photo id...).
    public var evidence: String?
    /// The earlier `event_id` of the same agency whose effects this event undoes.
    public var retracts: String?

    /// Creates an event (e.g. in the simulator); `occurredAt` is written as UTC with milliseconds.
    public init(eventID: String, subject: SubjectCode, kind: EventKind, occurredAt: Date,
                attributes: [String: JSONValue] = [:], evidence: String? = nil, retracts: String? = nil) {
        self.init(eventID: eventID, subject: subject, kind: kind, occurredAtText: RFC3339.format(occurredAt),
                  occurredAt: occurredAt, attributes: attributes, evidence: evidence, retracts: retracts)
    }

    /// Creates an event keeping the time text as received (the validator's path).
    init(eventID: String, subject: SubjectCode, kind: EventKind, occurredAtText: String, occurredAt: Date,
         attributes: [String: JSONValue], evidence: String?, retracts: String?) {
        self.eventID = eventID
        self.subject = subject
        self.kind = kind
        self.occurredAtText = occurredAtText
        self.occurredAt = occurredAt
        self.attributes = attributes
        self.evidence = evidence
        self.retracts = retracts
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema
        case eventID = "event_id"
        case subject, kind
        case occurredAt = "occurred_at"
        case attributes, evidence, retracts
    }

    /// Decodes and validates (as `validate(_:now:)` with the current time).
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        self = try AgencyEvent.validate(value, now: Date())
    }

    /// Encodes the event; absent `evidence`/`retracts` are omitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(subject, forKey: .subject)
        try container.encode(kind, forKey: .kind)
        try container.encode(occurredAtText, forKey: .occurredAt)
        try container.encode(attributes, forKey: .attributes)
        try container.encodeIfPresent(evidence, forKey: .evidence)
        try container.encodeIfPresent(retracts, forKey: .retracts)
    }

    /// A SHA-256 (hex) of the event's canonical JSON (sorted keys, verbatim time). Ingest compares
    /// it for a repeated (agency, event_id): equal → duplicate, different → `conflicting_duplicate`.
    public var fingerprint: String {
        SHA256.hex((try? MessageCoding.encodeBytes(self)) ?? [])
    }
}
