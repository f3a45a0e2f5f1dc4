import CreditModel
import Foundation
import PostgresClient

/// Replay (issue 4): recomputes the ledger and every balance from the accepted events scoring
/// kept (never another service's schema) into a fresh schema, then reports every difference
/// from the live one — the proof that the ledger is a pure function of the events (in
/// consumption order) and the rulebook.
///
/// Expiry rounds are replayed once, at `expireAt`, after all events: scoring itself does not
/// depend on when the job ran (expired entries still count for escalation inside their window),
/// but a compensation clamped at a scheme bound can differ if the live job ran between events
/// at a bound; such differences are reported, not hidden.
public struct Replay: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// The live schema (read only).
    public let liveSchema: String
    /// The rulebook to replay with (the live one, for the proof).
    public let rulebook: Rulebook

    /// Creates a replay of `liveSchema`.
    public init(pool: PostgresPool, liveSchema: String, rulebook: Rulebook) {
        self.pool = pool
        self.liveSchema = liveSchema
        self.rulebook = rulebook
    }

    /// The outcome.
    public struct Report: Sendable, CustomStringConvertible {
        /// Events replayed.
        public var events: Int
        /// Entries in the replayed ledger.
        public var entries: Int
        /// `subject/scheme: live X, replayed Y` for each balance that differs.
        public var balanceDifferences: [String]
        /// `entry id: live ..., replayed ...` for each ledger entry that differs or is missing on one side.
        public var entryDifferences: [String]

        /// Whether replay equals live.
        public var isIdentical: Bool { balanceDifferences.isEmpty && entryDifferences.isEmpty }

        /// A summary with at most 20 differences of each sort.
        public var description: String {
            var lines = ["replayed \(events) events into \(entries) ledger entries: "
                + (isIdentical ? "identical to the live ledger" : "\(balanceDifferences.count) balance and \(entryDifferences.count) entry differences")]
            lines += balanceDifferences.prefix(20).map { "  balance \($0)" } + entryDifferences.prefix(20).map { "  entry \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    /// Replays into `freshSchema` (created; it must not hold a ledger yet) and compares.
    public func run(into freshSchema: String, expireAt: Date?, batchSize: Int = 2000) async throws -> Report {
        try await pool.migrate(schema: freshSchema, migrations: ScoringSchema.migrations)
        let live = Ledger(schema: liveSchema)
        let scorer = Scorer(engine: RuleEngine(rulebook: rulebook), ledger: Ledger(schema: freshSchema))
        var position: Int64 = 0, events = 0
        while true {
            let page = try await pool.withTransaction { try live.consumedEvents(after: position, limit: batchSize, on: $0) }
            guard let last = page.last else { break }
            _ = try await pool.withTransaction { try scorer.score(page.map(\.event), on: $0) }
            position = last.seq
            events += page.count
        }
        if let expireAt {
            while try await pool.withTransaction({ try scorer.expire(at: expireAt, limit: batchSize, on: $0) }).count > 0 {}
        }
        return try await pool.withTransaction { connection in
            try Self.compare(live: liveSchema, replayed: freshSchema, events: events, on: connection)
        }
    }

    /// Compares the two schemas' balances and ledgers (by deterministic entry id).
    static func compare(live: String, replayed: String, events: Int, on connection: isolated PostgresConnection) throws -> Report {
        let balances = try connection.query("""
            SELECT coalesce(l.subject, r.subject), coalesce(l.scheme, r.scheme), l.points, r.points
            FROM \(identifier: live).balances l FULL JOIN \(identifier: replayed).balances r
              ON l.subject = r.subject AND l.scheme = r.scheme
            WHERE l.points IS DISTINCT FROM r.points ORDER BY 1, 2
            """).map { row in
            "\(try row.decode(String.self, at: 0))/\(try row.decode(String.self, at: 1)): live \(Self.text(try row.decode(Int?.self, at: 2))), replayed \(Self.text(try row.decode(Int?.self, at: 3)))"
        }
        let entries = try connection.query("""
            SELECT coalesce(l.entry_id, r.entry_id)::text, l.delta, r.delta, l.points_after, r.points_after
            FROM \(identifier: live).ledger l FULL JOIN \(identifier: replayed).ledger r ON l.entry_id = r.entry_id
            WHERE l.delta IS DISTINCT FROM r.delta OR l.points_after IS DISTINCT FROM r.points_after ORDER BY 1
            """).map { row in
            "\(try row.decode(String.self, at: 0)): live \(Self.text(try row.decode(Int?.self, at: 1)))→\(Self.text(try row.decode(Int?.self, at: 3))), replayed \(Self.text(try row.decode(Int?.self, at: 2)))→\(Self.text(try row.decode(Int?.self, at: 4)))"
        }
        let count = try connection.query("SELECT count(*) FROM \(identifier: replayed).ledger").first?.decode(Int.self, at: 0) ?? 0
        return Report(events: events, entries: count, balanceDifferences: balances, entryDifferences: entries)
    }

    private static func text(_ value: Int?) -> String { value.map(String.init) ?? "missing" }
}
