import Foundation

// The consumed hot messages read straight from their bytes (see `MessageJSONScannable`):
// scoring and sanctions read every `accepted-event/1`, sanctions and the benchmark every
// `score-change/1`. Each reader accepts only what `Decodable` accepts, and leaves the rest to
// it; `MessageJSONTests` holds both against `JSONDecoder`.

extension ScoreChange: MessageJSONScannable {
    /// Reads a score change; nil when anything differs from what `Decodable` accepts.
    public init?(scanning bytes: UnsafeBufferPointer<UInt8>) {
        var schema: String?, id: String?, agency: String?, eventID: String?, subject: SubjectCode?, kind: String?
        var scheme: String?, rule: String?, ruleID: String?, ruleVersion: Int?, delta: Int?, pointsAfter: Int?
        var gradeAfter: String?? = .some(nil), reason: String?, occurredAt: Date?, expiresAt: Date?? = .some(nil)
        var clampedAmount: Int?, clamped: Bool?, compensating: Bool?, cause: Cause?, reverses: String?? = .some(nil)
        let valid = MessageJSONScanner.members(of: bytes) { key, value in
            if key.is("subject") { subject = value.string().flatMap { try? SubjectCode(validating: $0) }; return subject != nil }
            if key.is("delta") { delta = value.int().flatMap { Int(exactly: $0) }; return delta != nil }
            if key.is("points_after") { pointsAfter = value.int().flatMap { Int(exactly: $0) }; return pointsAfter != nil }
            if key.is("grade_after") { gradeAfter = value.optionalString(); return gradeAfter != nil }
            if key.is("scheme") { scheme = value.string(); return scheme != nil }
            if key.is("id") { id = value.string(); return id != nil }
            if key.is("agency") { agency = value.string(); return agency != nil }
            if key.is("event_id") { eventID = value.string(); return eventID != nil }
            if key.is("kind") { kind = value.string(); return kind != nil }
            if key.is("rule") { rule = value.string(); return rule != nil }
            if key.is("rule_id") { ruleID = value.string(); return ruleID != nil }
            if key.is("rule_version") { ruleVersion = value.int().flatMap { Int(exactly: $0) }; return ruleVersion != nil }
            if key.is("reason") { reason = value.string(); return reason != nil }
            if key.is("occurred_at") { occurredAt = value.date(); return occurredAt != nil }
            if key.is("expires_at") { expiresAt = value.optionalDate(); return expiresAt != nil }
            if key.is("clamped_amount") { clampedAmount = value.int().flatMap { Int(exactly: $0) }; return clampedAmount != nil }
            if key.is("clamped") { clamped = value.bool(); return clamped != nil }
            if key.is("compensating") { compensating = value.bool(); return compensating != nil }
            if key.is("cause") { cause = value.string().flatMap(Cause.init(rawValue:)); return cause != nil }
            if key.is("reverses") { reverses = value.optionalString(); return reverses != nil }
            if key.is("schema") { schema = value.string(); return schema != nil }
            return value.skip()
        }
        guard valid, schema == Self.schemaName, let id, let agency, let eventID, let subject, let kind, let scheme, let rule,
              let ruleID, let ruleVersion, let delta, let pointsAfter, let gradeAfter, let reason, let occurredAt,
              let expiresAt, let clampedAmount, let clamped, let compensating, let cause, let reverses
        else { return nil }
        self.init(id: id, agency: agency, eventID: eventID, subject: subject, kind: EventKind(rawValue: kind), scheme: scheme,
                  rule: rule, ruleID: ruleID, ruleVersion: ruleVersion, delta: delta, pointsAfter: pointsAfter,
                  gradeAfter: gradeAfter, reason: reason, occurredAt: occurredAt, expiresAt: expiresAt,
                  clampedAmount: clampedAmount, clamped: clamped, compensating: compensating, cause: cause, reverses: reverses)
    }
}

extension AcceptedEvent: MessageJSONScannable {
    /// Reads an accepted event; nil when anything differs from what `Decodable` accepts.
    public init?(scanning bytes: UnsafeBufferPointer<UInt8>) {
        var schema: String?, id: String?, agency: String?, eventID: String?, subject: SubjectCode?, subjectType: SubjectType?
        var kind: String?, occurredAt: Date?, receivedAt: Date?, evidence: String?? = .some(nil), retracts: String?? = .some(nil)
        var source: EventSource?, attributes: [String: JSONValue]?
        let valid = MessageJSONScanner.members(of: bytes) { key, value in
            if key.is("attributes") {
                guard case .object(let members)? = value.value() else { return false }
                attributes = members
                return true
            }
            if key.is("subject") { subject = value.string().flatMap { try? SubjectCode(validating: $0) }; return subject != nil }
            if key.is("kind") { kind = value.string(); return kind != nil }
            if key.is("id") { id = value.string(); return id != nil }
            if key.is("agency") { agency = value.string(); return agency != nil }
            if key.is("event_id") { eventID = value.string(); return eventID != nil }
            if key.is("occurred_at") { occurredAt = value.date(); return occurredAt != nil }
            if key.is("received_at") { receivedAt = value.date(); return receivedAt != nil }
            if key.is("retracts") { retracts = value.optionalString(); return retracts != nil }
            if key.is("evidence") { evidence = value.optionalString(); return evidence != nil }
            if key.is("subject_type") { subjectType = value.string().flatMap(SubjectType.init(rawValue:)); return subjectType != nil }
            if key.is("source") { source = value.value().flatMap(EventSource.init(json:)); return source != nil }
            if key.is("schema") { schema = value.string(); return schema != nil }
            return value.skip()
        }
        guard valid, schema == Self.schemaName, let id, let agency, let eventID, let subject, let subjectType, let kind,
              let occurredAt, let receivedAt, let evidence, let retracts, let source, let attributes
        else { return nil }
        self.init(event: AgencyEvent(eventID: eventID, subject: subject, kind: EventKind(rawValue: kind), occurredAtText: "",
                                     occurredAt: occurredAt, attributes: attributes, evidence: evidence, retracts: retracts),
                  agency: agency, receivedAt: receivedAt, source: source, id: id)
        self.subjectType = subjectType
    }
}
