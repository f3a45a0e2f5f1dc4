import Foundation

/// Validation of untrusted agency input with the reason codes of DESIGN §8. Everything that
/// needs no database is decided here; `unknown_retraction_target` and `conflicting_duplicate`
/// are left to ingest.
extension AgencyEvent {
    /// Messages larger than this (64 KiB) are `too_large`.
    public static let maxMessageBytes = 65_536
    /// The longest allowed `event_id` (and `retracts`).
    public static let maxEventIDLength = 128
    /// The deepest allowed `attributes` nesting (`{"a":{"b":1}}` is 2).
    public static let maxAttributeDepth = 8
    /// How far `occurred_at` may lie ahead of `now` (clock skew), 5 minutes.
    public static let maxFutureSkew: TimeInterval = 300
    /// The earliest allowed `occurred_at`, 1949-01-01T00:00:00Z.
    public static let earliestOccurrence = CivilDate(year: 1949, month: 1, day: 1)!.startDate

    /// Parses and validates one message from an agency.
    ///
    /// Checks, in order: size (`too_large`); JSON (`invalid_json`, also for a value that is not
    /// an object: a message is one object); `schema` (`invalid_schema`); each field's presence
    /// (`missing_field`) and JSON type (`invalid_field`); then `validate(_:now:agency:registry:)`.
    /// - Parameters:
    ///   - now: the clock's time, for `future_time`.
    ///   - agency: the agency the topic or token names; with `registry`, its mandate is checked.
    ///   - registry: the agency registry; when nil, no mandate check is made.
    public static func parse(_ data: Data, now: Date, agency: String? = nil,
                             registry: AgencyRegistry? = nil) throws(MessageError) -> AgencyEvent {
        guard data.count <= maxMessageBytes else {
            throw MessageError(.tooLarge, "message is \(data.count) bytes, the limit is \(maxMessageBytes)")
        }
        return try validate(JSONValue.parse(data), now: now, agency: agency, registry: registry)
    }

    /// Parses and validates one message given as bytes (see `parse(_:now:agency:registry:)` for `Data`).
    public static func parse(_ bytes: [UInt8], now: Date, agency: String? = nil,
                             registry: AgencyRegistry? = nil) throws(MessageError) -> AgencyEvent {
        try parse(Data(bytes), now: now, agency: agency, registry: registry)
    }

    /// Validates an already parsed JSON value (e.g. one element of an HTTP batch).
    public static func validate(_ value: JSONValue, now: Date, agency: String? = nil,
                                registry: AgencyRegistry? = nil) throws(MessageError) -> AgencyEvent {
        guard case .object(let object) = value else {
            throw MessageError(.invalidJSON, "message must be a JSON object, got \(value.typeName)")
        }
        guard case .string(let schema)? = object["schema"], schema == schemaName else {
            let found = object["schema"].map { $0.stringValue.map { "'\($0)'" } ?? $0.typeName } ?? "missing"
            throw MessageError(.invalidSchema, "schema must be '\(schemaName)', got \(found)", field: "schema")
        }
        let fields = Fields(object: object)
        let eventID = try fields.string("event_id")
        let subjectText = try fields.string("subject")
        let kind = EventKind(rawValue: try fields.string("kind"))
        let occurredAtText = try fields.string("occurred_at")
        let attributesValue = object["attributes"] ?? .null
        let evidence = try fields.optionalString("evidence")
        let retracts = try fields.optionalString("retracts")

        try checkEventID(eventID, field: "event_id")
        if let retracts { try checkEventID(retracts, field: "retracts") }
        let subject: SubjectCode
        do {
            subject = try SubjectCode(validating: subjectText, today: CivilDate(now))
        } catch {
            throw MessageError(.invalidSubject, error.description, field: "subject")
        }
        guard let definition = kind.definition else {
            throw MessageError(.unknownKind, "kind '\(kind)' is not in the catalog", field: "kind")
        }
        guard definition.subjectTypes.contains(subject.type) else {
            throw MessageError(.subjectTypeMismatch,
                               "kind '\(kind)' does not apply to a \(subject.type.rawValue) (\(subject))", field: "kind")
        }
        let occurredAt = try checkTime(occurredAtText, now: now)
        let attributes = try checkAttributes(attributesValue, definition: definition)
        if let registry, let agency { try registry.check(agency: agency, mayReport: kind) }
        return AgencyEvent(eventID: eventID, subject: subject, kind: kind, occurredAtText: occurredAtText,
                           occurredAt: occurredAt, attributes: attributes, evidence: evidence, retracts: retracts)
    }

    /// The `event_id` of a message, if it has a string one: ingest names it in HTTP answers
    /// and dead letters even when the message is otherwise invalid.
    public static func peekEventID(_ value: JSONValue) -> String? {
        value["event_id"]?.stringValue
    }

    private static func checkEventID(_ id: String, field: String) throws(MessageError) {
        guard !id.isEmpty, id.count <= maxEventIDLength else {
            throw MessageError(.invalidEventID, "\(field) must be 1 to \(maxEventIDLength) characters, got \(id.count)",
                               field: field)
        }
        // Printable ASCII (nearly every id) has no control character; only other text is looked
        // up scalar by scalar (that lookup was 1.5 % of ingest's CPU at 3,000 events/s).
        let printableASCII = id.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        guard printableASCII || !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw MessageError(.invalidEventID, "\(field) must not contain control characters", field: field)
        }
    }

    private static func checkTime(_ text: String, now: Date) throws(MessageError) -> Date {
        guard let date = RFC3339.parse(text) else {
            throw MessageError(.invalidTime, "occurred_at '\(text)' is not an RFC 3339 time", field: "occurred_at")
        }
        guard date >= earliestOccurrence else {
            throw MessageError(.invalidTime, "occurred_at '\(text)' is before 1949-01-01", field: "occurred_at")
        }
        guard date.timeIntervalSince(now) <= maxFutureSkew else {
            throw MessageError(.futureTime, "occurred_at '\(text)' is more than 5 minutes in the future",
                               field: "occurred_at")
        }
        return date
    }

    private static func checkAttributes(_ value: JSONValue,
                                        definition: EventKindDefinition) throws(MessageError) -> [String: JSONValue] {
        let attributes: [String: JSONValue]
        switch value {
        case .null: attributes = [:]
        case .object(let members): attributes = members
        default:
            throw MessageError(.invalidAttributes, "attributes must be an object, got \(value.typeName)",
                               field: "attributes")
        }
        guard !value.isDeeper(than: maxAttributeDepth) else {
            throw MessageError(.invalidAttributes, "attributes are nested deeper than \(maxAttributeDepth) levels",
                               field: "attributes")
        }
        for requirement in definition.requirements where !requirement.isSatisfied(by: attributes[requirement.name]) {
            let found = attributes[requirement.name].map { "got \($0)" } ?? "it is missing"
            throw MessageError(.invalidAttributes, "kind '\(definition.kind)': \(requirement), \(found)",
                               field: "attributes.\(requirement.name)")
        }
        return attributes
    }
}

/// Typed access to the fields of an untrusted object, with `missing_field`/`invalid_field` errors.
private struct Fields {
    let object: [String: JSONValue]

    func string(_ name: String) throws(MessageError) -> String {
        guard let value = object[name], value != .null else {
            throw MessageError(.missingField, "field '\(name)' is missing", field: name)
        }
        guard case .string(let text) = value else {
            throw MessageError(.invalidField, "field '\(name)' must be a string, got \(value.typeName)", field: name)
        }
        return text
    }

    func optionalString(_ name: String) throws(MessageError) -> String? {
        guard let value = object[name], value != .null else { return nil }
        return try string(name)
    }
}
