import Foundation

/// `accepted-event/1` (DESIGN §3): an agency event that ingest validated, de-duplicated and
/// stored; what scoring consumes from `events.accepted`.
public struct AcceptedEvent: MessageSchema {
    /// `accepted-event/1`.
    public static let schemaName = "accepted-event/1"

    /// The schema tag.
    public var schema = SchemaTag<AcceptedEvent>()
    /// `MessageID.accepted(agency:eventID:)`.
    public var id: String
    /// The reporting agency (from the topic or HTTP token).
    public var agency: String
    /// The agency's event id.
    public var eventID: String
    /// Whom the event concerns.
    public var subject: SubjectCode
    /// The subject's type, derived from the code (for consumers' convenience).
    public var subjectType: SubjectType
    /// What happened.
    public var kind: EventKind
    /// When it happened.
    public var occurredAt: Date
    /// When ingest first received it.
    public var receivedAt: Date
    /// The event's attributes.
    public var attributes: [String: JSONValue]
    /// The agency's evidence reference, if any.
    public var evidence: String?
    /// The agency's earlier `event_id` this event retracts, if any (ingest checked it exists).
    public var retracts: String?
    /// Where ingest received it.
    public var source: EventSource

    /// Creates the accepted form of `event` from `agency`; the id is derived deterministically.
    public init(event: AgencyEvent, agency: String, receivedAt: Date, source: EventSource) {
        self.init(event: event, agency: agency, receivedAt: receivedAt, source: source,
                  id: MessageID.accepted(agency: agency, eventID: event.eventID))
    }

    /// Creates the accepted form of `event` with a known `id` (as read from a message).
    init(event: AgencyEvent, agency: String, receivedAt: Date, source: EventSource, id: String) {
        self.id = id
        self.agency = agency
        self.eventID = event.eventID
        self.subject = event.subject
        self.subjectType = event.subject.type
        self.kind = event.kind
        self.occurredAt = event.occurredAt
        self.receivedAt = receivedAt
        self.attributes = event.attributes
        self.evidence = event.evidence
        self.retracts = event.retracts
        self.source = source
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case schema, id, agency
        case eventID = "event_id"
        case subject
        case subjectType = "subject_type"
        case kind
        case occurredAt = "occurred_at"
        case receivedAt = "received_at"
        case attributes, evidence, retracts, source
    }
}
