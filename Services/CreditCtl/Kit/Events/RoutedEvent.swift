import CreditModel
import Foundation

/// One agency event read from a JSONL input, ready to send: the agency that reports it, the
/// Kafka key (its subject) and the payload. The `agency` field, a routing hint of the input
/// file that is not part of `agency-event/1`, is removed from the payload.
public struct RoutedEvent: Sendable, Hashable {
    /// The 1-based input line.
    public var line: Int
    /// The reporting agency (the topic `agency.<id>.events`, or whose token is used).
    public var agency: String
    /// The event's `event_id`, if it has a string one (for printing results).
    public var eventID: String?
    /// The event's `subject`, the Kafka key (nil when the event has none: ingest rejects it).
    public var subject: String?
    /// The event object without the routing field.
    public var event: [String: JSONValue]

    /// Creates a routed event.
    public init(line: Int, agency: String, eventID: String?, subject: String?, event: [String: JSONValue]) {
        self.line = line
        self.agency = agency
        self.eventID = eventID
        self.subject = subject
        self.event = event
    }

    /// The payload's bytes (canonical JSON, sorted keys).
    public func payload() throws -> Data { try MessageCoding.encode(JSONValue.object(event)) }

    /// Routes every good line to its agency: the line's `agency` field, else `defaultAgency`.
    /// A line without either, with a malformed agency id, or whose `agency` contradicts an
    /// explicit `defaultAgency` is an error naming its line; bad JSON lines stay errors.
    public static func route(_ lines: [JSONLReader.Line], defaultAgency: String?) -> (events: [RoutedEvent], errors: [JSONLReader.LineError]) {
        var events: [RoutedEvent] = []
        var errors: [JSONLReader.LineError] = []
        for line in lines {
            switch line.content {
            case .failure(let error):
                errors.append(error)
            case .success(var object):
                let field = object.removeValue(forKey: "agency")
                let stated: String?
                switch field {
                case nil, .null?: stated = nil
                case .string(let text)?: stated = text
                case let other?:
                    errors.append(.init(line: line.number, message: "agency must be a string, got \(other.typeName)"))
                    continue
                }
                if let stated, let defaultAgency, stated != defaultAgency {
                    errors.append(.init(line: line.number, message: "the event names agency '\(stated)' but --agency is '\(defaultAgency)'"))
                    continue
                }
                guard let agency = stated ?? defaultAgency else {
                    errors.append(.init(line: line.number, message: "no agency: add an \"agency\" field or pass --agency"))
                    continue
                }
                guard isAgencyID(agency) else {
                    errors.append(.init(line: line.number, message: "'\(agency)' is not an agency id (lowercase letters, digits and '-')"))
                    continue
                }
                events.append(RoutedEvent(line: line.number, agency: agency, eventID: object["event_id"]?.stringValue,
                                          subject: object["subject"]?.stringValue, event: object))
            }
        }
        return (events, errors)
    }

    /// Whether `text` can name an agency topic: `[a-z0-9-]+`.
    public static func isAgencyID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
