import CreditModel
import Foundation
import PostgresClient

/// The `ingest` schema's event tables, written in batches: one lookup and a few multi-row
/// statements per batch, never a round trip per event.
struct EventStore: Sendable {
    /// The schema holding the tables.
    let schema: String

    /// An (agency, event_id) pair, the idempotency key.
    struct Key: Hashable, Sendable {
        var agency: String
        var eventID: String
    }

    /// An accepted event ready to insert.
    struct Row: Sendable {
        var agency: String
        var event: AgencyEvent
        var messageID: UUID
        var fingerprint: String
        var receivedAt: Date
        /// The `accepted-event/1` JSON.
        var payload: [UInt8]
        /// The JSON of the event's `attributes` and `source`, cut from `payload` (each event is
        /// encoded once, and the database parses only these two values).
        var attributesJSON: String
        var sourceJSON: String

        /// The row of `accepted`, the accepted form of `event` from `agency`.
        init(agency: String, event: AgencyEvent, accepted: AcceptedEvent, fingerprint: String, receivedAt: Date) throws {
            let encoded = try accepted.encodeWithSpans()
            self.agency = agency
            self.event = event
            messageID = UUID(canonicalText: accepted.id)!
            self.fingerprint = fingerprint
            self.receivedAt = receivedAt
            payload = encoded.json
            attributesJSON = String(decoding: encoded.json[encoded.attributes], as: UTF8.self)
            sourceJSON = String(decoding: encoded.json[encoded.source], as: UTF8.self)
        }
    }

    /// A rejected submission ready to insert.
    struct Rejection: Sendable {
        var messageID: UUID
        var agency: String?
        var eventID: String?
        var raw: [UInt8]
        var source: EventSource
        var error: MessageError
        var receivedAt: Date

        /// The rejection of `submission`; its id derives from the source (and bytes, for HTTP).
        init(_ submission: Submission, error: MessageError, eventID: String?, receivedAt: Date) {
            let raw = submission.raw
            messageID = UUID(canonicalText: MessageID.rejected(source: submission.source, agency: submission.agency, raw: raw))!
            agency = submission.agency
            self.eventID = eventID
            self.raw = raw
            source = submission.source
            self.error = error
            self.receivedAt = receivedAt
        }
    }

    /// What is stored of an accepted event that later submissions are checked against.
    struct Stored: Sendable, Equatable {
        /// The content fingerprint (equal content: a duplicate; different: a conflict).
        var fingerprint: String
        /// The subject, so that a retraction can only undo an event about the same subject.
        var subject: String
    }

    /// The stored fingerprint and subject of each of `keys` that exists: one primary-key probe
    /// per key (a LATERAL subquery that OFFSET 0 keeps the planner from merging), whatever the
    /// table's statistics say. A join left to the planner scanned the whole table per batch.
    func stored(_ keys: Set<Key>, on connection: isolated PostgresConnection) throws -> [Key: Stored] {
        guard !keys.isEmpty else { return [:] }
        let list = Array(keys)
        let rows = try connection.query(.genericPlan("""
            SELECT e.agency, e.event_id, e.fingerprint, e.subject
            FROM unnest(\(list.map(\.agency))::text[], \(list.map(\.eventID))::text[]) AS k(agency, event_id)
            CROSS JOIN LATERAL (SELECT agency, event_id, fingerprint, subject FROM \(identifier: schema).events e
                                WHERE e.agency = k.agency AND e.event_id = k.event_id OFFSET 0) e
            """))
        var found: [Key: Stored] = [:]
        for row in rows {
            found[Key(agency: try row.decode(String.self, at: 0), eventID: try row.decode(String.self, at: 1))] =
                Stored(fingerprint: try row.decode(String.self, at: 2), subject: try row.decode(String.self, at: 3))
        }
        return found
    }

    /// Inserts `rows`; returns the keys actually inserted (a row that a concurrent transaction
    /// inserted first is skipped; the caller compares it with what that transaction stored).
    func insert(_ rows: [Row], on connection: isolated PostgresConnection) throws -> Set<Key> {
        guard !rows.isEmpty else { return [] }
        let inserted = try connection.query(.genericPlan("""
            INSERT INTO \(identifier: schema).events (agency, event_id, message_id, fingerprint, subject, subject_type, kind,
                occurred_at, received_at, attributes, evidence, retracts, source)
            SELECT a, i, m, f, s, st, k, o, r, att::jsonb, ev, rt, so::jsonb
            FROM unnest(\(rows.map(\.agency))::text[], \(rows.map(\.event.eventID))::text[],
                        \(rows.map(\.messageID))::uuid[], \(rows.map(\.fingerprint))::text[],
                        \(rows.map(\.event.subject.rawValue))::text[], \(rows.map(\.event.subject.type.rawValue))::text[],
                        \(rows.map(\.event.kind.rawValue))::text[], \(rows.map(\.event.occurredAt))::timestamptz[],
                        \(rows.map(\.receivedAt))::timestamptz[], \(rows.map(\.attributesJSON))::text[],
                        \(rows.map(\.event.evidence))::text[], \(rows.map(\.event.retracts))::text[],
                        \(rows.map(\.sourceJSON))::text[])
                 AS u(a, i, m, f, s, st, k, o, r, att, ev, rt, so)
            ON CONFLICT (agency, event_id) DO NOTHING
            RETURNING agency, event_id
            """))
        return Set(try inserted.map { Key(agency: try $0.decode(String.self, at: 0), eventID: try $0.decode(String.self, at: 1)) })
    }

    /// Marks each retraction target as retracted by the retracting event (the first retraction wins).
    func markRetracted(_ retractions: [(target: Key, by: String)], on connection: isolated PostgresConnection) throws {
        guard !retractions.isEmpty else { return }
        try connection.executeDeferred("""
            UPDATE \(identifier: schema).events e SET retracted_by = x.b
            FROM unnest(\(retractions.map(\.target.agency))::text[], \(retractions.map(\.target.eventID))::text[],
                        \(retractions.map(\.by))::text[]) AS x(a, t, b)
            WHERE e.agency = x.a AND e.event_id = x.t AND e.retracted_by IS NULL
            """)
    }

    /// Inserts `rejections` (a redelivered one, same message id, is skipped).
    func insert(_ rejections: [Rejection], on connection: isolated PostgresConnection) throws {
        guard !rejections.isEmpty else { return }
        try connection.executeDeferred("""
            INSERT INTO \(identifier: schema).rejected_events (message_id, agency, event_id, raw, transport, topic, partition,
                "offset", reason, message, received_at)
            SELECT * FROM unnest(\(rejections.map(\.messageID))::uuid[], \(rejections.map(\.agency))::text[],
                                 \(rejections.map(\.eventID))::text[], \(rejections.map { Data($0.raw) })::bytea[],
                                 \(rejections.map(\.source.transport.rawValue))::text[], \(rejections.map(\.source.topic))::text[],
                                 \(rejections.map { $0.source.partition.map(Int.init) })::int[],
                                 \(rejections.map(\.source.offset))::bigint[],
                                 \(rejections.map(\.error.reason.rawValue))::text[], \(rejections.map(\.error.message))::text[],
                                 \(rejections.map(\.receivedAt))::timestamptz[])
            ON CONFLICT (message_id) DO NOTHING
            """)
    }

    /// Upserts the registry into `agencies` (done at start).
    func storeAgencies(_ registry: AgencyRegistry, on connection: isolated PostgresConnection) throws {
        let agencies = registry.agencies
        guard !agencies.isEmpty else { return }
        try connection.execute("""
            INSERT INTO \(identifier: schema).agencies (id, name, kinds)
            SELECT i, n, string_to_array(k, ',') FROM unnest(\(agencies.map(\.id))::text[], \(agencies.map(\.name))::text[],
                \(agencies.map { $0.kinds.map(\.rawValue).sorted().joined(separator: ",") })::text[]) AS x(i, n, k)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kinds = EXCLUDED.kinds, updated_at = now()
            """)
    }
}
