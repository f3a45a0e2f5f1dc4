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
            return .valid(event)
        } catch {
            return .invalid(error, eventID: value.flatMap(AgencyEvent.peekEventID))
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
}
