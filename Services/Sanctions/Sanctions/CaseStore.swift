import CreditModel
import Foundation
import PostgresClient

/// The SQL of the `sanctions` schema: cases, their transitions, policy conditions, processed
/// message ids, list lookups and rejected messages. Every method runs on a connection inside
/// the caller's transaction.
public struct CaseStore: Sendable {
    /// The schema.
    public let schema: String

    /// A store over `schema`.
    public init(schema: String) { self.schema = schema }

    private static let columns = """
        case_id, subject, policy_id, policy_version, kind, state, cause, measures, reasons, appeal_days, opened_at,
        delivered_at, appeal_deadline, appealed_at, notice_failure, active_since, closed_at, expires_at,
        duration_days
        """

    /// The case `id`, locked for update; nil when there is none.
    public func lock(_ id: String, on connection: isolated PostgresConnection) throws -> SanctionCase? {
        guard UUID(uuidString: id) != nil else { return nil }
        return try connection.query(.genericPlan("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases WHERE case_id = \(id)::uuid FOR UPDATE
            """)).first.map(Self.decode)
    }

    /// The open case of `subject` under `policyID`, locked; nil when there is none.
    public func lockOpen(subject: SubjectCode, policyID: String, on connection: isolated PostgresConnection) throws -> SanctionCase? {
        try connection.query(.genericPlan("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
            WHERE subject = \(subject.rawValue) AND policy_id = \(policyID) AND state NOT IN ('lifted', 'withdrawn') FOR UPDATE
            """)).first.map(Self.decode)
    }

    /// The open cases of `subject` caused by `cause`, locked.
    public func lockOpen(subject: SubjectCode, cause: String, on connection: isolated PostgresConnection) throws -> [SanctionCase] {
        try connection.query(.genericPlan("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
            WHERE subject = \(subject.rawValue) AND cause = \(cause) AND state NOT IN ('lifted', 'withdrawn')
            ORDER BY opened_at FOR UPDATE
            """)).map(Self.decode)
    }

    /// Up to `limit` noticed cases whose appeal deadline is at or before `now`, locked (others
    /// running the job skip them).
    public func lockDue(at now: Date, limit: Int, on connection: isolated PostgresConnection) throws -> [SanctionCase] {
        try connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
            WHERE state = 'noticed' AND appeal_deadline <= \(now)
            ORDER BY appeal_deadline LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """).map(Self.decode)
    }

    /// Up to `limit` active cases whose measures' duration ended at or before `now`, locked.
    public func lockExpired(at now: Date, limit: Int, on connection: isolated PostgresConnection) throws -> [SanctionCase] {
        try connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
            WHERE state = 'active' AND expires_at <= \(now)
            ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """).map(Self.decode)
    }

    /// The stored hash of the case's appeal code.
    public func appealCodeHash(of id: String, on connection: isolated PostgresConnection) throws -> String? {
        guard UUID(uuidString: id) != nil else { return nil }
        return try connection.query("""
            SELECT appeal_code_hash FROM \(identifier: schema).cases WHERE case_id = \(id)::uuid
            """).first?.decode(String?.self, at: 0)
    }

    /// Writes the state and dates of `record` and the transition that led there from `from`
    /// (deferred to the next round trip: nothing reads their result); refuses a transition
    /// DESIGN §7 does not allow.
    public func update(_ record: SanctionCase, from: CaseState, actor: String, reason: String, at: Date,
                       on connection: isolated PostgresConnection) throws {
        var writes = CaseWrites()
        try writes.update(record, from: from, actor: actor, reason: reason, at: at)
        try write(writes, on: connection)
    }

    /// Sends `writes` as at most three statements, deferred to the next round trip: the
    /// updates first (a case closed here frees its (subject, policy) for a case opened here),
    /// then the new cases, then the transitions (which reference both), in their order. Case ids
    /// go as text and PostgreSQL casts them, so a malformed one fails the statement (as a
    /// single row's `::uuid` did) instead of becoming a NULL that matches nothing.
    func write(_ writes: CaseWrites, on connection: isolated PostgresConnection) throws {
        if !writes.updates.isEmpty {
            let cases = writes.updates
            try connection.executeDeferred(.genericPlan("""
                UPDATE \(identifier: schema).cases c
                SET state = u.state, delivered_at = u.delivered_at, appeal_deadline = u.appeal_deadline,
                    appealed_at = u.appealed_at, notice_failure = u.notice_failure, active_since = u.active_since,
                    closed_at = u.closed_at, expires_at = u.expires_at
                FROM unnest(\(cases.map(\.id))::uuid[], \(cases.map(\.state.rawValue))::text[],
                            \(cases.map(\.deliveredAt))::timestamptz[], \(cases.map(\.appealDeadline))::timestamptz[],
                            \(cases.map(\.appealedAt))::timestamptz[], \(cases.map(\.noticeFailure))::text[],
                            \(cases.map(\.activeSince))::timestamptz[], \(cases.map(\.closedAt))::timestamptz[],
                            \(cases.map(\.expiresAt))::timestamptz[])
                     AS u(case_id, state, delivered_at, appeal_deadline, appealed_at, notice_failure, active_since, closed_at,
                          expires_at)
                WHERE c.case_id = u.case_id
                """))
        }
        if !writes.inserts.isEmpty {
            let cases = writes.inserts.map(\.record)
            try connection.executeDeferred(.genericPlan("""
                INSERT INTO \(identifier: schema).cases (case_id, subject, policy_id, policy_version, kind, state, cause, measures,
                    reasons, appeal_days, appeal_code_hash, opened_at, delivered_at, appeal_deadline, appealed_at, notice_failure,
                    active_since, closed_at, expires_at, duration_days)
                SELECT * FROM unnest(\(cases.map(\.id))::uuid[], \(cases.map(\.subject.rawValue))::text[],
                    \(cases.map(\.policyID))::text[], \(cases.map(\.policyVersion))::int[], \(cases.map(\.kind.rawValue))::text[],
                    \(cases.map(\.state.rawValue))::text[], \(cases.map(\.cause))::text[],
                    \(cases.map { PostgresRawJSON(JSONStringList.text($0.measures.map(\.rawValue))) })::jsonb[],
                    \(cases.map { PostgresRawJSON(JSONStringList.text($0.reasons)) })::jsonb[],
                    \(cases.map(\.appealDays))::int[], \(writes.inserts.map(\.appealCodeHash))::text[],
                    \(cases.map(\.openedAt))::timestamptz[], \(cases.map(\.deliveredAt))::timestamptz[],
                    \(cases.map(\.appealDeadline))::timestamptz[], \(cases.map(\.appealedAt))::timestamptz[],
                    \(cases.map(\.noticeFailure))::text[], \(cases.map(\.activeSince))::timestamptz[],
                    \(cases.map(\.closedAt))::timestamptz[], \(cases.map(\.expiresAt))::timestamptz[],
                    \(cases.map(\.durationDays))::int[])
                """))
        }
        if !writes.transitions.isEmpty {
            let transitions = writes.transitions
            try connection.executeDeferred(.genericPlan("""
                INSERT INTO \(identifier: schema).case_transitions (case_id, from_state, to_state, at, actor, reason)
                SELECT case_id, from_state, to_state, at, actor, reason
                FROM unnest(\(transitions.map(\.caseID))::uuid[], \(transitions.map { $0.from?.rawValue })::text[],
                            \(transitions.map(\.to.rawValue))::text[], \(transitions.map(\.at))::timestamptz[],
                            \(transitions.map(\.actor))::text[], \(transitions.map(\.reason))::text[])
                     WITH ORDINALITY AS t(case_id, from_state, to_state, at, actor, reason, n)
                ORDER BY n
                """))
        }
    }

    /// Every case of `subject`, oldest first.
    public func cases(of subject: SubjectCode, on connection: isolated PostgresConnection) throws -> [SanctionCase] {
        try connection.query("""
            SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases WHERE subject = \(subject.rawValue)
            ORDER BY opened_at, case_id
            """).map(Self.decode)
    }

    /// The transitions of `caseIDs`, by case, in order.
    public func transitions(of caseIDs: [String], on connection: isolated PostgresConnection) throws -> [String: [CaseTransition]] {
        guard !caseIDs.isEmpty else { return [:] }
        var result: [String: [CaseTransition]] = [:]
        for row in try connection.query("""
            SELECT case_id, from_state, to_state, at, actor, reason FROM \(identifier: schema).case_transitions
            WHERE case_id = ANY(\(caseIDs)::uuid[]) ORDER BY seq
            """) {
            let id = try row.decode(UUID.self, at: 0).lowercasedText
            let transition = CaseTransition(from: try row.decode(String?.self, at: 1).flatMap(CaseState.init(rawValue:)),
                                            to: CaseState(rawValue: try row.decode(String.self, at: 2)) ?? .proposed,
                                            at: try row.decode(Date.self, at: 3), actor: try row.decode(String.self, at: 4),
                                            reason: try row.decode(String.self, at: 5))
            result[id, default: []].append(transition)
        }
        return result
    }

    /// Records `keys` (`CaseEngine.processedKey`) as applied (one statement); returns those not
    /// recorded before. Each is stored as `processedDigest(of:)`.
    func markProcessed(_ keys: [String], on connection: isolated PostgresConnection) throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        let digests = Dictionary(keys.map { (Self.processedDigest(of: $0), $0) }, uniquingKeysWith: { first, _ in first })
        return Set(try connection.query(.genericPlan("""
            INSERT INTO \(identifier: schema).processed_messages (message_key) SELECT unnest(\(Array(digests.keys))::uuid[])
            ON CONFLICT DO NOTHING RETURNING message_key
            """)).compactMap { digests[try $0.decode(UUID.self, at: 0)] })
    }

    /// The 128-bit key under which `processed_messages` keeps a processed input: the first 16
    /// bytes of the SHA-256 of its text key (e.g. `score-change:<id>`). A 16-byte uuid
    /// instead of that ~50-byte text keeps the table's index a third the size, and with it
    /// the cost of the insert every consumed message pays. Migration 5 converted the stored
    /// keys with the same function in SQL.
    static func processedDigest(of key: String) -> UUID {
        let d = SHA256.hash(Array(key.utf8))
        return UUID(uuid: (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]))
    }

    /// What a consumer batch reads in one round trip (`CaseBatch`): for `conditionsOf` (subject,
    /// state policy) pairs whether the condition held after the subject's last change (those
    /// that have one stored); the open case of each `openCasesOf` pair that has one; and the
    /// `cases` by id (those that exist). Cases are locked until commit, in a fixed order so two
    /// transactions lock alike. Each statement probes its index once per key (a LATERAL
    /// subquery; OFFSET 0 and FOR UPDATE keep the planner from turning it into a join that
    /// scans the whole table).
    func batchState(conditionsOf statePairs: [CaseBatch.SubjectPolicy], openCasesOf casePairs: [CaseBatch.SubjectPolicy],
                    cases ids: [String], on connection: isolated PostgresConnection) throws
        -> (conditions: [CaseBatch.SubjectPolicy: Bool], openCases: [CaseBatch.SubjectPolicy: SanctionCase], cases: [SanctionCase])
    {
        var statements: [PostgresQuery] = []
        if !statePairs.isEmpty {
            statements.append(.genericPlan("""
                SELECT c.subject, c.policy_id, c.holds
                FROM unnest(\(statePairs.map(\.subject))::text[], \(statePairs.map(\.policyID))::text[]) AS k(subject, policy_id)
                CROSS JOIN LATERAL (SELECT subject, policy_id, holds FROM \(identifier: schema).policy_conditions c
                                    WHERE c.subject = k.subject AND c.policy_id = k.policy_id OFFSET 0) c
                """))
        }
        if !casePairs.isEmpty {
            // The state list is the `cases_one_open` index's predicate: one probe of it per pair.
            let sorted = casePairs.sorted { ($0.subject, $0.policyID) < ($1.subject, $1.policyID) }
            statements.append(.genericPlan("""
                SELECT c.* FROM unnest(\(sorted.map(\.subject))::text[], \(sorted.map(\.policyID))::text[]) AS k(subject, policy_id)
                CROSS JOIN LATERAL (SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases c
                                    WHERE c.subject = k.subject AND c.policy_id = k.policy_id
                                      AND c.state IN ('proposed', 'noticed', 'under_appeal', 'active')
                                    FOR UPDATE) c
                """))
        }
        if !ids.isEmpty {
            statements.append(.genericPlan("""
                SELECT \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
                WHERE case_id = ANY(\(ids.sorted())::uuid[]) ORDER BY case_id FOR UPDATE
                """))
        }
        guard !statements.isEmpty else { return ([:], [:], []) }
        var results = try connection.queries(statements)[...]
        var conditions: [CaseBatch.SubjectPolicy: Bool] = [:]
        if !statePairs.isEmpty, let rows = results.popFirst() {
            for row in rows {
                let key = CaseBatch.SubjectPolicy(subject: try row.decode(String.self, at: 0), policyID: try row.decode(String.self, at: 1))
                conditions[key] = try row.decode(Bool.self, at: 2)
            }
        }
        var openCases: [CaseBatch.SubjectPolicy: SanctionCase] = [:]
        if !casePairs.isEmpty, let rows = results.popFirst() {
            for record in try rows.map(Self.decode) {
                openCases[CaseBatch.SubjectPolicy(subject: record.subject.rawValue, policyID: record.policyID)] = record
            }
        }
        let cases = try ids.isEmpty ? [] : results.popFirst()?.map(Self.decode) ?? []
        return (conditions, openCases, cases)
    }

    /// Stores whether each state policy's condition holds for the subject after the change
    /// named in `updates` (one statement).
    func saveConditions(_ updates: [CaseBatch.SubjectPolicy: CaseBatch.ConditionUpdate],
                        on connection: isolated PostgresConnection) throws {
        guard !updates.isEmpty else { return }
        let entries = Array(updates)
        try connection.executeDeferred(.genericPlan("""
            INSERT INTO \(identifier: schema).policy_conditions (subject, policy_id, holds, change_id, updated_at)
            SELECT * FROM unnest(\(entries.map(\.key.subject))::text[], \(entries.map(\.key.policyID))::text[],
                                 \(entries.map(\.value.holds))::boolean[], \(entries.map(\.value.changeID))::text[],
                                 \(entries.map(\.value.at))::timestamptz[])
            ON CONFLICT (subject, policy_id) DO UPDATE SET holds = EXCLUDED.holds, change_id = EXCLUDED.change_id,
                updated_at = EXCLUDED.updated_at
            """))
    }

    /// The active cases carrying `measure`, one row per subject (the earliest), by subject.
    public func activeHolders(of measure: Measure, subject: SubjectCode? = nil,
                              on connection: isolated PostgresConnection) throws -> [SanctionCase] {
        let all = try connection.query("""
            SELECT DISTINCT ON (subject) \(unsafeRaw: Self.columns) FROM \(identifier: schema).cases
            WHERE state = 'active' AND measures ? \(measure.rawValue)
              AND (\(subject?.rawValue)::text IS NULL OR subject = \(subject?.rawValue))
            ORDER BY subject, active_since
            """)
        return try all.map(Self.decode)
    }

    /// Logs lookups of `list` by `enforcer` for `purpose`, one row per subject concerned.
    public func recordLookups(list: String, subjects: [String], listed: Bool, enforcer: String, purpose: String, at: Date,
                              on connection: isolated PostgresConnection) throws {
        guard !subjects.isEmpty else { return }
        try connection.executeDeferred("""
            INSERT INTO \(identifier: schema).list_lookups (list, subject, enforcer, purpose, listed, at)
            SELECT \(list), s, \(enforcer), \(purpose), \(listed), \(at) FROM unnest(\(subjects)::text[]) AS s
            """)
    }

    /// The list lookups that concerned `subject`, oldest first.
    public func lookups(of subject: SubjectCode, on connection: isolated PostgresConnection) throws -> [ListLookup] {
        try connection.query("""
            SELECT list, enforcer, purpose, listed, at FROM \(identifier: schema).list_lookups
            WHERE subject = \(subject.rawValue) ORDER BY seq
            """).map { row in
            ListLookup(list: try row.decode(String.self, at: 0), enforcer: try row.decode(String.self, at: 1),
                       purpose: try row.decode(String.self, at: 2), listed: try row.decode(Bool.self, at: 3),
                       at: try row.decode(Date.self, at: 4))
        }
    }

    /// Records a consumed message that could not be read.
    public func reject(topic: String, partition: Int32, offset: Int64, raw: [UInt8], reason: String, message: String,
                       on connection: isolated PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO \(identifier: schema).rejected_messages (topic, partition, "offset", raw, reason, message)
            VALUES (\(topic), \(Int(partition)), \(offset), \(Data(raw)), \(reason), \(message))
            ON CONFLICT DO NOTHING
            """)
    }

    private static func decode(_ row: PostgresRow) throws -> SanctionCase {
        let subjectText = try row.decode(String.self, at: 1)
        return SanctionCase(
            id: try row.decode(UUID.self, at: 0).lowercasedText,
            subject: try SubjectCode(validating: subjectText),
            policyID: try row.decode(String.self, at: 2), policyVersion: try row.decode(Int.self, at: 3),
            kind: CaseKind(rawValue: try row.decode(String.self, at: 4)) ?? .sanction,
            state: CaseState(rawValue: try row.decode(String.self, at: 5)) ?? .proposed,
            cause: try row.decode(String.self, at: 6),
            measures: try JSONStringList.strings(row.decode(PostgresRawJSON.self, at: 7).text).map(Measure.init(rawValue:)),
            reasons: try JSONStringList.strings(row.decode(PostgresRawJSON.self, at: 8).text), appealDays: try row.decode(Int.self, at: 9),
            openedAt: try row.decode(Date.self, at: 10), deliveredAt: try row.decode(Date?.self, at: 11),
            appealDeadline: try row.decode(Date?.self, at: 12), appealedAt: try row.decode(Date?.self, at: 13),
            noticeFailure: try row.decode(String?.self, at: 14), activeSince: try row.decode(Date?.self, at: 15),
            closedAt: try row.decode(Date?.self, at: 16), expiresAt: try row.decode(Date?.self, at: 17),
            durationDays: try row.decode(Int?.self, at: 18))
    }
}

/// A state change DESIGN §7 does not allow (a bug, never input): nothing is written.
public struct InvalidTransition: Error, Sendable, CustomStringConvertible {
    /// The case.
    public let caseID: String
    /// The state it is in.
    public let from: CaseState
    /// The state asked for.
    public let to: CaseState
    /// A plain-language description.
    public var description: String { "case \(caseID): \(from.rawValue) -> \(to.rawValue) is not a transition of DESIGN §7" }
}
