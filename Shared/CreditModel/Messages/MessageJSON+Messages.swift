import Foundation

// The hot messages' own JSON writers (see `MessageJSONWriter`): ingest writes `agency-event/1`
// (fingerprint) and `accepted-event/1` for every event, scoring writes `score-change/1`. Members
// are listed in sorted key order; `MessageJSONTests` checks the bytes against `JSONEncoder`. The
// consumed ones read themselves from their bytes (`MessageJSON+Scanning.swift`).

extension EventSource: MessageJSONWritable, MessageJSONReadable {
    /// Writes `{"offset","partition","topic","transport"}`, nil members left out.
    public func write(to writer: inout MessageJSONWriter) {
        writer.beginObject()
        if let offset { writer.key("offset"); writer.int(offset) }
        if let partition { writer.key("partition"); writer.int(Int64(partition)) }
        writer.member("topic", topic)
        writer.member("transport", transport.rawValue)
        writer.endObject()
    }

    /// Reads a source object; nil when a member is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let object = MessageJSONObject(json), let transport = object.string("transport").flatMap(Transport.init(rawValue:)),
              let topic = object.optionalString("topic"), let partition = object.optionalInt("partition"),
              let offset = object.optionalInt("offset") else { return nil }
        guard let partition = partition.map({ Int32(exactly: $0) }) ?? .some(nil) else { return nil }
        self.init(transport: transport, topic: topic, partition: partition, offset: offset)
    }
}

extension AgencyEvent: MessageJSONWritable {
    /// Writes the event with its verbatim `occurred_at` text.
    public func write(to writer: inout MessageJSONWriter) throws {
        writer.beginObject()
        writer.key("attributes")
        try writer.object(attributes)
        writer.member("event_id", eventID)
        writer.member("evidence", evidence)
        writer.member("kind", kind.rawValue)
        writer.member("occurred_at", occurredAtText)
        writer.member("retracts", retracts)
        writer.member("schema", Self.schemaName)
        writer.member("subject", subject.rawValue)
        writer.endObject()
    }
}

extension AcceptedEvent: MessageJSONWritable {
    /// Writes the accepted event.
    public func write(to writer: inout MessageJSONWriter) throws {
        _ = try writeRecordingSpans(to: &writer)
    }

    /// The accepted event's JSON (the bytes `MessageCoding.encodeBytes` gives) with where in it
    /// the `attributes` and `source` values lie, so that a store can take those two values
    /// without encoding them again or parsing the whole message.
    public func encodeWithSpans() throws -> (json: [UInt8], attributes: Range<Int>, source: Range<Int>) {
        var writer = MessageJSONWriter()
        let spans = try writeRecordingSpans(to: &writer)
        return (writer.bytes, spans.attributes, spans.source)
    }

    /// Writes the accepted event; returns the byte ranges of the `attributes` and `source` values.
    private func writeRecordingSpans(to writer: inout MessageJSONWriter) throws -> (attributes: Range<Int>, source: Range<Int>) {
        writer.beginObject()
        writer.member("agency", agency)
        writer.key("attributes")
        let attributesStart = writer.bytes.count
        try writer.object(attributes)
        let attributesSpan = attributesStart..<writer.bytes.count
        writer.member("event_id", eventID)
        writer.member("evidence", evidence)
        writer.member("id", id)
        writer.member("kind", kind.rawValue)
        writer.member("occurred_at", occurredAt)
        writer.member("received_at", receivedAt)
        writer.member("retracts", retracts)
        writer.member("schema", Self.schemaName)
        writer.key("source")
        let sourceStart = writer.bytes.count
        source.write(to: &writer)
        let sourceSpan = sourceStart..<writer.bytes.count
        writer.member("subject", subject.rawValue)
        writer.member("subject_type", subjectType.rawValue)
        writer.endObject()
        return (attributesSpan, sourceSpan)
    }
}

extension ScoreChange: MessageJSONWritable {
    /// Writes the score change.
    public func write(to writer: inout MessageJSONWriter) {
        writer.beginObject()
        writer.member("agency", agency)
        writer.member("cause", cause.rawValue)
        writer.member("clamped", clamped)
        writer.member("clamped_amount", clampedAmount)
        writer.member("compensating", compensating)
        writer.member("delta", delta)
        writer.member("event_id", eventID)
        writer.member("expires_at", expiresAt)
        writer.member("grade_after", gradeAfter)
        writer.member("id", id)
        writer.member("kind", kind.rawValue)
        writer.member("occurred_at", occurredAt)
        writer.member("points_after", pointsAfter)
        writer.member("reason", reason)
        writer.member("reverses", reverses)
        writer.member("rule", rule)
        writer.member("rule_id", ruleID)
        writer.member("rule_version", ruleVersion)
        writer.member("schema", Self.schemaName)
        writer.member("scheme", scheme)
        writer.member("subject", subject.rawValue)
        writer.endObject()
    }
}
