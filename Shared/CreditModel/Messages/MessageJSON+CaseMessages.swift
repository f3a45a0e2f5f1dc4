import Foundation

// The case messages' own JSON (see `MessageJSONWriter` and `MessageJSONReadable`): sanctions
// writes `decision/1` and `notice-request/1` for every case it opens or closes (about one event
// in twenty in the benchmark) and reads `notice-receipt/1`; notification reads the requests, keeps
// them, reads them back to deliver and writes the receipts. `JSONEncoder` and `JSONDecoder` were
// about a seventh of sanctions' CPU and a twelfth of notification's in a profile of the benchmark.
// Members are listed in sorted key order; `MessageJSONTests` checks the bytes against `JSONEncoder`.

extension Decision: MessageJSONWritable, MessageJSONReadable {
    /// Writes the decision.
    public func write(to writer: inout MessageJSONWriter) {
        writer.beginObject()
        writer.member("action", action.rawValue)
        writer.member("case_id", caseID)
        writer.member("effective_at", effectiveAt)
        writer.member("expires_at", expiresAt)
        writer.member("id", id)
        writer.member("measure", measure.rawValue)
        writer.member("policy", policy)
        writer.member("reason", reason)
        writer.member("schema", Self.schemaName)
        writer.member("subject", subject.rawValue)
        writer.endObject()
    }

    /// Reads a decision; nil when anything differs from what `Decodable` accepts.
    public init?(json: JSONValue) {
        guard let object = MessageJSONObject(json), object.string("schema") == Self.schemaName,
              let id = object.string("id"), let caseID = object.string("case_id"), let subject = object.subject("subject"),
              let measure = object.string("measure"), let action = object.string("action").flatMap(Action.init(rawValue:)),
              let reason = object.string("reason"), let effectiveAt = object.date("effective_at"),
              let expiresAt = object.optionalDate("expires_at"), let policy = object.string("policy")
        else { return nil }
        self.init(caseID: caseID, subject: subject, measure: Measure(rawValue: measure), action: action, reason: reason,
                  effectiveAt: effectiveAt, expiresAt: expiresAt, policy: policy)
        self.id = id
    }
}

extension NoticeRequest: MessageJSONWritable, MessageJSONReadable {
    /// Writes the request.
    public func write(to writer: inout MessageJSONWriter) {
        writer.beginObject()
        writer.member("appeal_code", appealCode)
        writer.member("appeal_days", appealDays)
        writer.member("case_id", caseID)
        writer.member("id", id)
        writer.member("kind", kind.rawValue)
        writer.member("measures", measures.map(\.rawValue))
        writer.member("reasons", reasons)
        writer.member("requested_at", requestedAt)
        writer.member("schema", Self.schemaName)
        writer.member("subject", subject.rawValue)
        writer.member("title", title)
        writer.endObject()
    }

    /// Reads a request; nil when anything differs from what `Decodable` accepts.
    public init?(json: JSONValue) {
        guard let object = MessageJSONObject(json), object.string("schema") == Self.schemaName,
              let id = object.string("id"), let caseID = object.string("case_id"), let subject = object.subject("subject"),
              let kind = object.string("kind").flatMap(Kind.init(rawValue:)), let measures = object.strings("measures"),
              let title = object.string("title"), let reasons = object.strings("reasons"),
              let appealDays = object.optionalInt("appeal_days"), let appealCode = object.optionalString("appeal_code"),
              let requestedAt = object.date("requested_at")
        else { return nil }
        guard let appealDays = appealDays.map({ Int(exactly: $0) }) ?? .some(nil) else { return nil }
        self.init(caseID: caseID, subject: subject, kind: kind, measures: measures.map(Measure.init(rawValue:)), title: title,
                  reasons: reasons, appealDays: appealDays, appealCode: appealCode, requestedAt: requestedAt)
        self.id = id
    }
}

extension NoticeReceipt: MessageJSONWritable, MessageJSONReadable {
    /// Writes the receipt.
    public func write(to writer: inout MessageJSONWriter) {
        writer.beginObject()
        writer.member("case_id", caseID)
        writer.member("channel", channel.rawValue)
        writer.member("delivered_at", deliveredAt)
        writer.member("id", id)
        writer.member("reason", reason)
        writer.member("request_id", requestID)
        writer.member("schema", Self.schemaName)
        writer.member("status", status.rawValue)
        writer.member("subject", subject.rawValue)
        writer.endObject()
    }

    /// Reads a receipt; nil when anything differs from what `Decodable` accepts.
    public init?(json: JSONValue) {
        guard let object = MessageJSONObject(json), object.string("schema") == Self.schemaName,
              let id = object.string("id"), let requestID = object.string("request_id"), let caseID = object.string("case_id"),
              let subject = object.subject("subject"), let status = object.string("status").flatMap(Status.init(rawValue:)),
              let deliveredAt = object.optionalDate("delivered_at"), let reason = object.optionalString("reason"),
              let channel = object.string("channel").flatMap(Channel.init(rawValue:))
        else { return nil }
        self.init(id: id, requestID: requestID, caseID: caseID, subject: subject, status: status, deliveredAt: deliveredAt,
                  reason: reason, channel: channel)
    }
}
