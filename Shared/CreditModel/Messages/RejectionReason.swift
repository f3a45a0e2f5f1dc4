/// The reason codes of DESIGN §8, used on `events.rejected` and in ingest's HTTP answers.
public enum RejectionReason: String, Codable, Sendable, Hashable, CaseIterable {
    /// The bytes are not JSON, or not one JSON object.
    case invalidJSON = "invalid_json"
    /// The `schema` field is missing or is not `agency-event/1`.
    case invalidSchema = "invalid_schema"
    /// A required field is missing.
    case missingField = "missing_field"
    /// A field has the wrong JSON type.
    case invalidField = "invalid_field"
    /// `event_id` (or `retracts`) is empty, longer than 128 characters or has control characters.
    case invalidEventID = "invalid_event_id"
    /// `subject` is not a valid subject code.
    case invalidSubject = "invalid_subject"
    /// The kind does not apply to the subject's type.
    case subjectTypeMismatch = "subject_type_mismatch"
    /// The kind is not in the catalog.
    case unknownKind = "unknown_kind"
    /// The agency is not registered or may not report this kind.
    case kindNotPermitted = "kind_not_permitted"
    /// `occurred_at` is not an RFC 3339 time, or lies before 1949-01-01.
    case invalidTime = "invalid_time"
    /// `occurred_at` lies more than 5 minutes in the future.
    case futureTime = "future_time"
    /// The message is larger than 64 KiB.
    case tooLarge = "too_large"
    /// `attributes` is not an object, is nested too deeply or misses the kind's requirements.
    case invalidAttributes = "invalid_attributes"
    /// `retracts` names an event the agency never reported (decided by ingest's database).
    case unknownRetractionTarget = "unknown_retraction_target"
    /// The same (agency, event_id) arrived again with different content (decided by ingest's database).
    case conflictingDuplicate = "conflicting_duplicate"
}

/// Why an untrusted message was rejected: a reason code, a plain-language message and, where
/// one field is at fault, its name.
public struct MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The reason code.
    public let reason: RejectionReason
    /// What is wrong, for the agency.
    public let message: String
    /// The offending field, if any (e.g. `event_id`, `attributes.severity`).
    public let field: String?

    /// Creates an error.
    public init(_ reason: RejectionReason, _ message: String, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }

    /// `reason: message`.
    public var description: String { "\(reason.rawValue): \(message)" }
}
