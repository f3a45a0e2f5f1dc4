import CreditModel
import Foundation
import PostgresClient

/// The SQL of the `notices` table: recording requests (idempotent on the request id),
/// claiming due deliveries, recording outcomes and listing a subject's notices.
public struct NoticeStore: Sendable {
    /// The service's schema (`notification` by default).
    public let schema: String

    /// The store of `schema`.
    public init(schema: String) { self.schema = schema }

    /// Records `request` as `pending`, received at `receivedAt` (business time). Returns false
    /// when its id is already known (a redelivered request), in which case nothing changes: a
    /// delivered notice is never sent again.
    @discardableResult
    public func record(_ request: NoticeRequest, receivedAt: Date, on connection: isolated PostgresConnection) throws -> Bool {
        try !record([(request, try MessageCoding.encodeString(request))], receivedAt: receivedAt, on: connection).isEmpty
    }

    /// Records each request, with its JSON as received (`json`), as `pending` in one statement,
    /// and returns the ids (lowercase) of those recorded: a request whose id is already known
    /// (a redelivery, or twice in the batch) is skipped and not returned. One statement per
    /// consumer batch instead of one round trip per request.
    public func record(_ requests: [(request: NoticeRequest, json: String)], receivedAt: Date,
                       on connection: isolated PostgresConnection) throws -> Set<String> {
        guard !requests.isEmpty else { return [] }
        let ids = requests.map { UUID(uuidString: $0.request.id) }
        return Set(try connection.query(.genericPlan("""
            INSERT INTO \(identifier: schema).notices (request_id, subject, case_id, kind, title, request, requested_at, received_at)
            SELECT i, s, c, k, t, r::jsonb, q, \(receivedAt)
            FROM unnest(\(ids)::uuid[], \(requests.map(\.request.subject.rawValue))::text[],
                        \(requests.map(\.request.caseID))::text[], \(requests.map(\.request.kind.rawValue))::text[],
                        \(requests.map(\.request.title))::text[], \(requests.map(\.json))::text[],
                        \(requests.map(\.request.requestedAt))::timestamptz[]) AS x(i, s, c, k, t, r, q)
            ON CONFLICT (request_id) DO NOTHING
            RETURNING request_id
            """)).map { try $0.decode(UUID.self, at: 0).lowercasedText })
    }

    /// Records a consumed message that is not a readable notice request (a dead letter).
    public func reject(topic: String, partition: Int32, offset: Int64, raw: [UInt8], reason: String, message: String,
                       on connection: isolated PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO \(identifier: schema).rejected_requests (topic, partition, "offset", raw, reason, message)
            VALUES (\(topic), \(Int(partition)), \(offset), \(Data(raw)), \(reason), \(message))
            ON CONFLICT DO NOTHING
            """)
    }

    /// Claims up to `limit` due pending notices for one delivery attempt each: their attempt
    /// count goes up and they are hidden from other workers for `lease` (so a worker that dies
    /// mid-attempt leaves them to be tried again once the lease runs out).
    public func claim(limit: Int, lease: Duration, pool: PostgresPool) async throws -> [ClaimedNotice] {
        let rows = try await pool.query("""
            UPDATE \(identifier: schema).notices SET attempts = attempts + 1,
                   next_attempt_at = clock_timestamp() + make_interval(secs => \(lease.timeInterval))
            WHERE request_id IN (
                SELECT request_id FROM \(identifier: schema).notices
                WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING request::text, attempts
            """)
        return try rows.map { row in
            ClaimedNotice(request: try MessageCoding.decode(NoticeRequest.self, from: Data(try row.decode(String.self, at: 0).utf8)),
                          attempt: try row.decode(Int.self, at: 1))
        }
    }

    /// Marks a pending notice delivered at `time`. Returns false when it was no longer pending.
    public func markDelivered(_ requestID: String, at time: Date, channel: NoticeReceipt.Channel,
                              on connection: isolated PostgresConnection) throws -> Bool {
        try connection.execute("""
            UPDATE \(identifier: schema).notices
            SET status = 'delivered', delivered_at = \(time), channel = \(channel.rawValue), last_error = NULL
            WHERE request_id = \(requestID)::uuid AND status = 'pending'
            """) == 1
    }

    /// Marks a pending notice failed permanently. Returns false when it was no longer pending.
    public func markFailed(_ requestID: String, at time: Date, reason: String, channel: NoticeReceipt.Channel?,
                           on connection: isolated PostgresConnection) throws -> Bool {
        try connection.execute("""
            UPDATE \(identifier: schema).notices
            SET status = 'failed', failed_at = \(time), channel = \(channel?.rawValue), last_error = \(reason)
            WHERE request_id = \(requestID)::uuid AND status = 'pending'
            """) == 1
    }

    /// The final state of one notice: delivered, or failed with its reason.
    public struct FinalOutcome: Sendable {
        /// The notice request.
        public var requestID: String
        /// `delivered` or `failed`.
        public var status: NoticeReceipt.Status
        /// When it was delivered or failed.
        public var at: Date
        /// Why it failed (nil when delivered).
        public var reason: String?
        /// The channel tried.
        public var channel: NoticeReceipt.Channel

        /// Creates an outcome.
        public init(requestID: String, status: NoticeReceipt.Status, at: Date, reason: String?, channel: NoticeReceipt.Channel) {
            self.requestID = requestID
            self.status = status
            self.at = at
            self.reason = reason
            self.channel = channel
        }
    }

    /// Marks the still-pending notices among `outcomes` delivered or failed (one statement for a
    /// whole delivery round); returns the request ids it changed. A notice no longer pending
    /// (another worker finished it) is left as it is.
    public func markFinal(_ outcomes: [FinalOutcome], on connection: isolated PostgresConnection) throws -> Set<String> {
        guard !outcomes.isEmpty else { return [] }
        let rows = try connection.query("""
            UPDATE \(identifier: schema).notices n
            SET status = x.status,
                delivered_at = CASE WHEN x.status = 'delivered' THEN x.at ELSE n.delivered_at END,
                failed_at = CASE WHEN x.status = 'failed' THEN x.at ELSE n.failed_at END,
                channel = x.channel, last_error = x.reason
            FROM unnest(\(outcomes.map(\.requestID))::uuid[],
                        \(outcomes.map(\.status.rawValue))::text[], \(outcomes.map(\.at))::timestamptz[],
                        \(outcomes.map(\.channel.rawValue))::text[], \(outcomes.map(\.reason))::text[])
                 AS x(request_id, status, at, channel, reason)
            WHERE n.request_id = x.request_id AND n.status = 'pending'
            RETURNING n.request_id
            """)
        return Set(try rows.map { try $0.decode(UUID.self, at: 0).uuidString.lowercased() })
    }

    /// Schedules the next attempt of a pending notice `delay` from now, keeping the error.
    /// Ignored when another worker has claimed it since (`attempt` no longer current).
    public func reschedule(_ requestID: String, attempt: Int, after delay: Duration, error: String,
                           channel: NoticeReceipt.Channel, pool: PostgresPool) async throws {
        try await pool.execute("""
            UPDATE \(identifier: schema).notices
            SET next_attempt_at = clock_timestamp() + make_interval(secs => \(delay.timeInterval)),
                last_error = \(error), channel = \(channel.rawValue)
            WHERE request_id = \(requestID)::uuid AND status = 'pending' AND attempts = \(attempt)
            """)
    }

    /// The subject's notices, oldest request first.
    public func notices(of subject: SubjectCode, pool: PostgresPool) async throws -> [NoticeSummary] {
        let rows = try await pool.query("""
            SELECT request_id, case_id, kind, title, status, channel, attempts, requested_at, received_at,
                   delivered_at, failed_at, last_error
            FROM \(identifier: schema).notices WHERE subject = \(subject.rawValue)
            ORDER BY requested_at, request_id
            """)
        return try rows.map { row in
            NoticeSummary(requestID: try row.decode(UUID.self, at: 0).uuidString.lowercased(),
                          caseID: try row.decode(String.self, at: 1), kind: try row.decode(String.self, at: 2),
                          title: try row.decode(String.self, at: 3), status: try row.decode(String.self, at: 4),
                          channel: try row.decode(String?.self, at: 5), attempts: try row.decode(Int.self, at: 6),
                          requestedAt: try row.decode(Date.self, at: 7), receivedAt: try row.decode(Date.self, at: 8),
                          deliveredAt: try row.decode(Date?.self, at: 9), failedAt: try row.decode(Date?.self, at: 10),
                          lastError: try row.decode(String?.self, at: 11))
        }
    }
}

/// A pending notice claimed for one delivery attempt.
public struct ClaimedNotice: Sendable {
    /// The request to deliver.
    public var request: NoticeRequest
    /// Which attempt this is (1 for the first).
    public var attempt: Int
}
