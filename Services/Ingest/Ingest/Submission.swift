import CreditModel
import Foundation

/// One message offered to ingest, from a Kafka topic or one element of an HTTP request.
public struct Submission: Sendable {
    /// The message as it arrived.
    public enum Body: Sendable {
        /// Raw bytes (a Kafka message value, or a whole HTTP body holding one event).
        case bytes([UInt8])
        /// An already parsed JSON value (an element of an HTTP array) and its re-encoded bytes,
        /// kept as the dead letter's raw form.
        case json(JSONValue, raw: [UInt8])
    }

    /// The agency the topic or token names (never the payload); nil when the topic names none.
    public var agency: String?
    /// Where it came from.
    public var source: EventSource
    /// The content.
    public var body: Body

    /// Creates a submission.
    public init(agency: String?, source: EventSource, body: Body) {
        self.agency = agency
        self.source = source
        self.body = body
    }

    /// The bytes stored and forwarded when the submission is rejected.
    var raw: [UInt8] {
        switch body {
        case .bytes(let bytes): bytes
        case .json(_, let raw): raw
        }
    }

    /// Parses and validates the content (everything that needs no database).
    func validate(now: Date, registry: AgencyRegistry) -> Validated {
        var value: JSONValue?
        do throws(MessageError) {
            switch body {
            case .bytes(let bytes):
                guard bytes.count <= AgencyEvent.maxMessageBytes else {
                    throw MessageError(.tooLarge, "message is \(bytes.count) bytes, the limit is \(AgencyEvent.maxMessageBytes)")
                }
                value = try JSONValue.parse(Data(bytes))
            case .json(let json, let raw):
                value = json
                guard raw.count <= AgencyEvent.maxMessageBytes else {
                    throw MessageError(.tooLarge, "event is \(raw.count) bytes, the limit is \(AgencyEvent.maxMessageBytes)")
                }
            }
            let event = try AgencyEvent.validate(value ?? .null, now: now, agency: agency ?? "", registry: registry)
            try Self.checkStorable(event)
            return .valid(event)
        } catch {
            return .invalid(error, eventID: value.flatMap(AgencyEvent.peekEventID))
        }
    }

    /// PostgreSQL text and jsonb cannot hold a NUL character (`\u0000`); such an event is refused
    /// here rather than failing the batch's transaction.
    static func checkStorable(_ event: AgencyEvent) throws(MessageError) {
        if event.evidence.map(Self.hasNUL) == true {
            throw MessageError(.invalidField, "evidence must not contain a NUL character", field: "evidence")
        }
        if containsNUL(.object(event.attributes)) {
            throw MessageError(.invalidAttributes, "attributes must not contain a NUL character", field: "attributes")
        }
    }

    /// Looks for a zero byte: `String.contains("\0")` goes through Foundation's `NSString`,
    /// which was 2 % of ingest's CPU (every string of every event is checked).
    private static func hasNUL(_ text: String) -> Bool { text.utf8.contains(0) }

    private static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): hasNUL(text)
        case .array(let elements): elements.contains(where: containsNUL)
        case .object(let members): members.contains { hasNUL($0.key) || containsNUL($0.value) }
        default: false
        }
    }

    /// The outcome of validation without the database.
    enum Validated {
        case valid(AgencyEvent)
        case invalid(MessageError, eventID: String?)
    }
}

/// What ingest decided about one submission; the HTTP answer's `results` elements.
public struct IntakeResult: Codable, Sendable, Hashable {
    /// Accepted, duplicate (an identical resend) or rejected.
    public enum Status: String, Codable, Sendable, Hashable {
        /// Stored and forwarded to `events.accepted`.
        case accepted
        /// Identical to an event already accepted; nothing new stored or forwarded.
        case duplicate
        /// Refused with a reason; stored in `rejected_events` and forwarded to `events.rejected`.
        case rejected
    }

    /// The event's `event_id`, when one could be read.
    public var eventID: String?
    /// The decision.
    public var status: Status
    /// The reason code, for rejections.
    public var reason: RejectionReason?
    /// A plain-language explanation, for rejections and duplicates.
    public var message: String?

    /// Creates a result.
    public init(eventID: String?, status: Status, reason: RejectionReason? = nil, message: String? = nil) {
        self.eventID = eventID
        self.status = status
        self.reason = reason
        self.message = message
    }

    /// The JSON keys.
    enum CodingKeys: String, CodingKey {
        case eventID = "event_id"
        case status, reason, message
    }

    /// Encodes `event_id` always (null when unreadable), `reason` and `message` when present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(status, forKey: .status)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(message, forKey: .message)
    }
}
