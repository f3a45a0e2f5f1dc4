import CreditModel
import Foundation
import PostgresClient

/// The scoring schema's tables as operations, each one statement for a whole batch (DESIGN §9:
/// no round trip per event). All run on a connection inside the caller's transaction.
public struct Ledger: Sendable {
    /// The schema holding the tables.
    public let schema: String

    /// Creates the ledger of `schema`.
    public init(schema: String) { self.schema = schema }

    /// The statement that keeps the consumed `events` (non-empty; for replay) with their
    /// `payloads` (their `accepted-event/1` JSON, one each) and returns the ids of those not
    /// seen before (an event already kept, a redelivery, is skipped by the caller), to send with
    /// the state reads in one round trip. Read it with ``kept(from:)``.
    func keepQuery(_ events: [AcceptedEvent], payloads: [Data]) -> PostgresQuery {
        .genericPlan("""
            INSERT INTO \(identifier: schema).accepted_events (id, agency, event_id, subject, kind, occurred_at, retracts, payload)
            SELECT * FROM unnest(\(events.map { UUID(canonicalText: $0.id) ?? UUID() })::uuid[], \(events.map(\.agency))::text[],
                                 \(events.map(\.eventID))::text[], \(events.map(\.subject.rawValue))::text[],
                                 \(events.map(\.kind.rawValue))::text[], \(events.map(\.occurredAt))::timestamptz[],
                                 \(events.map(\.retracts))::text[], \(payloads)::bytea[])
            ON CONFLICT (agency, event_id) DO NOTHING
            RETURNING id
            """)
    }

    /// The ids of the events that `keepQuery`'s statement kept (those not seen before).
    func kept(from result: PostgresResult) throws -> Set<String> {
        Set(try result.map { try $0.decode(UUID.self, at: 0).lowercasedText })
    }

    /// Which earlier entries a state load brings into memory: only what the engine will look at
    /// (each with the compensating entries that reverse it, read only to flag it).
    public enum HistoryScope: Sendable {
        /// For scoring events: of the subjects in `historyOf` (those whose events look back, see
        /// `RuleEngine.needsHistory`), entries of escalating rules and of `cappedRules` with an
        /// event time at or after `since` (the longest window before the batch's earliest event),
        /// plus every entry of the `retracted` events. Other subjects get their balances only.
        case scoring(since: Date, cappedRules: [String], retracted: [(agency: String, eventID: String)],
                     historyOf: Set<SubjectCode>)
        /// For the expiry job: entries expired by the instant and not yet reversed.
        case expiredBy(Date)
    }

    /// The states of `subjects`: balances (locked until commit, so the expiry job and a
    /// consumer never interleave on one subject) and the `event` entries in `scope`, in ledger
    /// order, flagged when reversed or retracted. One round trip.
    public func states(of subjects: [SubjectCode], scope: HistoryScope,
                       on connection: isolated PostgresConnection) throws -> [SubjectCode: SubjectState] {
        try states(of: subjects, from: connection.queries(stateQueries(of: subjects, scope: scope)))
    }

    /// The statements that read `subjects`' states in `scope`, to send with others in one round
    /// trip: the balances, then the history (left out when no subject's history is in scope).
    /// None for no subjects. Read the results with ``states(of:from:)``.
    func stateQueries(of subjects: [SubjectCode], scope: HistoryScope) -> [PostgresQuery] {
        guard !subjects.isEmpty else { return [] }
        // Sorted: every path locks balances in this order, so two transactions never deadlock.
        let codes = subjects.map(\.rawValue).sorted()
        // Both statements probe the subject indexes once per subject: a LATERAL subquery that
        // the planner cannot merge into a join (FOR UPDATE; OFFSET 0). Left to join on its own,
        // it hashed the whole ledger, with or without statistics: for 2,000 subjects at 212,000
        // entries 187 ms (358 ms as `subject = ANY(...)`), against 30 ms probing. Under today's
        // generic plans `= ANY` is a bitmap scan, 5–19 % cheaper per statement at 30–100 subjects,
        // but in nine interleaved benchmark pairs the pipeline was slower with it in seven (see
        // the README, "Measured and reverted: scoring's balance and history reads"), so the probes stay.
        // Each row's `xmin` (the transaction that wrote it) versions the subject for `HistoryCache`.
        let balances: PostgresQuery = .genericPlan("""
            SELECT b.subject, b.scheme, b.points, b.version FROM unnest(\(codes)::text[]) WITH ORDINALITY AS s(subject, n)
            CROSS JOIN LATERAL (SELECT subject, scheme, points, xmin::text::bigint AS version FROM \(identifier: schema).balances b
                                WHERE b.subject = s.subject ORDER BY b.scheme FOR UPDATE) b
            ORDER BY s.n, b.scheme
            """)
        return [balances] + (historyQuery(of: codes, scope: scope).map { [$0] } ?? [])
    }

    /// The statement that reads the history of `codes` (sorted subject codes) in `scope`, or nil
    /// when none of them has a history in scope.
    func historyQuery(of codes: [String], scope: HistoryScope) -> PostgresQuery? {
        let ledger = PostgresQuery.quoteIdentifier(schema)
        // The reversal flags come from the compensating entries themselves, read in the same probe:
        // a compensation belongs to its original's subject and carries its agency, event id and
        // event time, so the conditions that bring an original into scope bring its compensations
        // too (with some of other originals, which the reader ignores). A probe of
        // `ledger_reverses` per entry instead took a third of the statement (pgbench, 60 subjects
        // and about 155 entries: 1.36–1.43 ms against 0.92–0.99, three runs each).
        let select = "SELECT \(Self.columns) FROM unnest("
        let probe = "::text[]) AS s(subject) CROSS JOIN LATERAL (SELECT * FROM \(ledger).ledger l WHERE l.subject = s.subject AND "
        switch scope {
        case .scoring(let since, let cappedRules, let retracted, let historyOf):
            let lookingBack = Set(historyOf.map(\.rawValue))
            let looking = codes.filter(lookingBack.contains)
            guard !looking.isEmpty else { return nil }
            let targets = retracted.map { "\($0.agency)\u{1F}\($0.eventID)" }
            return .genericPlan("""
                \(unsafeRaw: select)\(looking)\(unsafeRaw: probe)
                  ((l.occurred_at >= \(since) AND (l.cause <> 'event' OR l.escalation_group IS NOT NULL OR l.rule_id = ANY(\(cappedRules)::text[])))
                   OR l.agency || chr(31) || l.event_id = ANY(\(targets)::text[])) OFFSET 0) l
                ORDER BY l.seq
                """)
        case .expiredBy(let instant):
            return .genericPlan("""
                \(unsafeRaw: select)\(codes)\(unsafeRaw: probe) (l.expires_at <= \(instant) OR l.cause <> 'event') OFFSET 0) l ORDER BY l.seq
                """)
        }
    }

    /// The states of `subjects` from the results of ``stateQueries(of:scope:)``, in order.
    func states(of subjects: [SubjectCode], from results: some Collection<PostgresResult>) throws -> [SubjectCode: SubjectState] {
        var states = Dictionary(uniqueKeysWithValues: subjects.map { ($0, SubjectState(subject: $0)) })
        let known = Dictionary(subjects.map { ($0.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        if let balances = results.first {
            for row in balances {
                let code: String = try row.decode(at: 0)
                guard let subject = known[code] else { continue }
                let scheme: String = try row.decode(at: 1)
                states[subject]?.points[scheme] = try row.decode(Int.self, at: 2)
                states[subject]?.versions[scheme] = UInt32(truncatingIfNeeded: try row.decode(Int64.self, at: 3))
            }
        }
        guard let history = results.dropFirst().first else { return states }
        try addHistory(from: history, to: &states, known: known)
        return states
    }

    /// Adds the `event` entries of a history read (``historyQuery(of:scope:)``) to `states`,
    /// flagged when reversed; `known` maps the codes of `states`' subjects to them.
    func addHistory(from history: PostgresResult, to states: inout [SubjectCode: SubjectState],
                    known: [String: SubjectCode]) throws {
        // Compensating entries only flag what they reverse (retracted when a retraction did).
        var originals: [LedgerEntry] = []
        var reversals: [String: Bool] = [:]
        for row in history {
            let entry = try Self.entry(from: row, known: known)
            if entry.cause == .event {
                originals.append(entry)
            } else if let original = entry.reverses {
                reversals[original] = (reversals[original] ?? false) || entry.cause == .retraction
            }
        }
        for var entry in originals {
            if let retracted = reversals[entry.id] {
                entry.isReversed = true
                entry.isRetracted = retracted
            }
            states[entry.subject]?.history.append(entry)
        }
    }

    /// Appends `entries` (one statement, deferred to the next round trip). An entry already
    /// present fails the statement on the ledger's unique key, and with it the transaction: the
    /// scorer writes an event's entries only in the transaction that first keeps the event, and
    /// compensates an entry only while it is unreversed under its balance's lock, so a repeat
    /// would be a bug to see, not a redelivery to skip (`ON CONFLICT DO NOTHING` hid it, while the
    /// balances moved as if it had been written, and its speculative insert cost 15–25 % of the
    /// statement: 3.3–3.9 ms against 2.7–3.0 ms per 120 rows in pgbench).
    public func append(_ entries: [LedgerEntry], on connection: isolated PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        try connection.executeDeferred(.genericPlan("""
            INSERT INTO \(identifier: schema).ledger (entry_id, subject, scheme, agency, event_id, kind, rule_id, rule_version,
                cause, escalation_group, requested, delta, clamped_amount, points_after, grade_after, reason, occurred_at,
                effective_at, expires_at, reverses)
            SELECT * FROM unnest(\(entries.map { UUID(canonicalText: $0.id) ?? UUID() })::uuid[],
                \(entries.map(\.subject.rawValue))::text[], \(entries.map(\.scheme))::text[], \(entries.map(\.agency))::text[],
                \(entries.map(\.eventID))::text[], \(entries.map(\.kind.rawValue))::text[], \(entries.map(\.ruleID))::text[],
                \(entries.map(\.ruleVersion))::int[], \(entries.map(\.cause.rawValue))::text[],
                \(entries.map(\.escalationGroup))::text[], \(entries.map(\.requested))::int[], \(entries.map(\.delta))::int[],
                \(entries.map(\.clampedAmount))::int[], \(entries.map(\.pointsAfter))::int[], \(entries.map(\.gradeAfter))::text[],
                \(entries.map(\.reason))::text[], \(entries.map(\.occurredAt))::timestamptz[],
                \(entries.map(\.effectiveAt))::timestamptz[], \(entries.map(\.expiresAt))::timestamptz[],
                \(entries.map { $0.reverses.flatMap(UUID.init(canonicalText:)) })::uuid[])
            """))
    }

    /// Writes the final points of every (subject, scheme) that `entries` moved (one statement,
    /// deferred to the next round trip).
    public func saveBalances(after entries: [LedgerEntry], on connection: isolated PostgresConnection) throws {
        // The last entry per (subject, scheme), by index: entries are large values, and keeping
        // copies of them in the dictionary and through the sort showed in scoring's profile.
        var last: [String: Int] = [:]
        last.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() { last["\(entry.subject.rawValue)\u{1F}\(entry.scheme)"] = index }
        // Subject codes are letters and digits, above U+001F: the joined keys sort as (subject, scheme).
        let finals = last.sorted { $0.key < $1.key }.map { entries[$0.value] }
        guard !finals.isEmpty else { return }
        try connection.executeDeferred(.genericPlan("""
            INSERT INTO \(identifier: schema).balances (subject, scheme, points, grade)
            SELECT * FROM unnest(\(finals.map(\.subject.rawValue))::text[], \(finals.map(\.scheme))::text[],
                                 \(finals.map(\.pointsAfter))::int[], \(finals.map(\.gradeAfter))::text[])
            ON CONFLICT (subject, scheme) DO UPDATE
            SET points = EXCLUDED.points, grade = EXCLUDED.grade, updated_at = now()
            """))
    }

    /// Subjects with unreversed entries that expired by `now` (oldest expiry first, at most `limit`).
    public func subjectsWithExpiredEntries(at now: Date, limit: Int, on connection: isolated PostgresConnection) throws -> [SubjectCode] {
        let rows = try connection.query("""
            SELECT subject FROM \(identifier: schema).ledger l
            WHERE l.expires_at <= \(now) AND l.cause = 'event' AND l.delta <> 0
              AND NOT EXISTS (SELECT 1 FROM \(identifier: schema).ledger c WHERE c.reverses = l.entry_id)
            GROUP BY subject ORDER BY min(l.expires_at) LIMIT \(limit)
            """)
        return try rows.map { try SubjectCode(validating: try $0.decode(String.self, at: 0)) }
    }

    /// The current balances of `subject`, by scheme.
    public func balances(of subject: SubjectCode, on connection: isolated PostgresConnection) throws -> [String: Int] {
        var points: [String: Int] = [:]
        for row in try connection.query("""
            SELECT scheme, points FROM \(identifier: schema).balances WHERE subject = \(subject.rawValue)
            """) {
            points[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return points
    }

    /// A page of `subject`'s entries, newest first: those with `seq` below `before` (all when nil).
    /// Returns the entries with their positions (the last position is the next page's cursor).
    public func page(of subject: SubjectCode, before: Int64?, limit: Int, on connection: isolated PostgresConnection) throws
        -> [(seq: Int64, entry: LedgerEntry)]
    {
        let rows = try connection.query("""
            SELECT \(unsafeRaw: Self.columns), l.seq FROM \(identifier: schema).ledger l
            WHERE l.subject = \(subject.rawValue) AND l.seq < \(before ?? Int64.max)
            ORDER BY l.seq DESC LIMIT \(limit)
            """)
        return try rows.map { (try $0.decode(Int64.self, at: Self.columnCount), try Self.entry(from: $0)) }
    }

    /// Every entry of `subject`, in ledger order (for `as_of`).
    public func entries(of subject: SubjectCode, on connection: isolated PostgresConnection) throws -> [LedgerEntry] {
        try connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).ledger l
            WHERE l.subject = \(subject.rawValue) ORDER BY l.seq
            """).map { try Self.entry(from: $0) }
    }

    /// The consumed events after position `seq`, in consumption order (at most `limit`), with
    /// their positions: the input of replay and what-if.
    public func consumedEvents(after seq: Int64, limit: Int, on connection: isolated PostgresConnection) throws
        -> [(seq: Int64, event: AcceptedEvent)]
    {
        try connection.query("""
            SELECT seq, payload FROM \(identifier: schema).accepted_events WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)
            """).map { row in
            (try row.decode(Int64.self, at: 0), try MessageCoding.decode(AcceptedEvent.self, from: try row.decode(Data.self, at: 1)))
        }
    }

    /// The entry columns, in the order `entry(from:)` reads them.
    static let columns = """
        l.entry_id, l.subject, l.scheme, l.agency, l.event_id, l.kind, l.rule_id, l.rule_version, l.cause, l.escalation_group,
        l.requested, l.delta, l.points_after, l.grade_after, l.reason, l.occurred_at, l.effective_at, l.expires_at, l.reverses
        """
    static let columnCount = 19

    /// Reads an entry from the first `columnCount` columns of `row`; `known` maps codes already
    /// validated to their subject (the batch's subjects), so only others are validated again.
    static func entry(from row: PostgresRow, known: [String: SubjectCode] = [:]) throws -> LedgerEntry {
        let code: String = try row.decode(at: 1)
        return LedgerEntry(
            id: try row.decode(UUID.self, at: 0).lowercasedText,
            subject: try known[code] ?? SubjectCode(validating: code), scheme: try row.decode(at: 2),
            agency: try row.decode(at: 3), eventID: try row.decode(at: 4), kind: EventKind(rawValue: try row.decode(at: 5)),
            ruleID: try row.decode(at: 6), ruleVersion: try row.decode(at: 7),
            cause: ScoreChange.Cause(rawValue: try row.decode(at: 8)) ?? .event, escalationGroup: try row.decode(at: 9),
            requested: try row.decode(at: 10), delta: try row.decode(at: 11), pointsAfter: try row.decode(at: 12),
            gradeAfter: try row.decode(at: 13), reason: try row.decode(at: 14), occurredAt: try row.decode(at: 15),
            effectiveAt: try row.decode(at: 16), expiresAt: try row.decode(at: 17),
            reverses: try row.decode(UUID?.self, at: 18)?.lowercasedText)
    }
}
