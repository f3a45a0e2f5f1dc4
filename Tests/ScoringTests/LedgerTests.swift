import CreditModel
import Foundation
import Pipeline
import PostgresClient
@testable import Scoring
import ServiceSupport
import Testing
import TestSupport

/// The ledger in PostgreSQL: idempotency, retraction, expiry, append-only.
@Suite struct LedgerTests {
    /// The consumer hands over the events as consumed: each is kept byte for byte (not encoded
    /// again), aligned with its event when the batch repeats one, and replay reads it back.
    @Test func consumedPayloadsAreKeptAsTheyCame() async throws {
        let db = try await DatabaseFixture.make()
        let first = Fixtures.event("court.order_ignored", "c1"), second = Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs")
        // Spaced JSON: what a producer may send, and never what our encoder writes.
        func spaced(_ event: AcceptedEvent) throws -> [UInt8] {
            Array(String(decoding: try MessageCoding.encode(event), as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        }
        let payloads = [try spaced(first), try spaced(second), Array(try MessageCoding.encode(first))]
        let scorer = db.scorer
        let messages = try await db.pool.withTransaction { connection in
            try scorer.score([first, second, first], payloads: payloads, on: connection)
        }
        #expect(messages.count == 2)
        let stored = try await db.pool.query(
            "SELECT event_id, payload FROM \(identifier: db.schema).accepted_events ORDER BY seq"
        ).map { (try $0.decode(String.self, at: 0), Array(try $0.decode(Data.self, at: 1))) }
        #expect(stored.map(\.0) == ["c1", "d1"])
        #expect(stored.map(\.1) == [payloads[0], payloads[1]])
        let consumed = try await db.pool.withTransaction { try scorer.ledger.consumedEvents(after: 0, limit: 10, on: $0) }
        #expect(consumed.map(\.event.id) == [first.id, second.id])
        await db.shutdown()
    }

    @Test func batchDeliveredTwiceChangesNothing() async throws {
        let db = try await DatabaseFixture.make()
        let batch = [
            Fixtures.event("court.order_ignored", "c1"),
            Fixtures.event("dog.unleashed", "d1", day: 1, agency: "jinan-dogs"),
            Fixtures.event("dog.unleashed", "d2", day: 2, agency: "jinan-dogs"),
            Fixtures.event("company.fraud", "f1", subject: Fixtures.company, agency: "ndrc"),
            Fixtures.event("dog.unleashed", "d2", day: 2, agency: "jinan-dogs"),  // twice in the batch
        ]
        let first = try await db.score(batch)
        #expect(first.count == 4)
        let balances = try await db.balances()
        #expect(balances == ["110101199003074514/citizen=950", "110101199003074514/dog-owner=3",
                             "91350100M000100Y43/corporate=950"])
        let again = try await db.score(batch)
        #expect(again.isEmpty)
        #expect(try await db.balances() == balances)
        #expect(try await db.count("ledger") == 4)
        #expect(try await db.count("accepted_events") == 4)
        #expect(try await db.count("outbox") == 4)
        await db.shutdown()
    }

    /// `accepted_events` keeps its position and one idempotency key, `(agency, event_id)`, and
    /// nothing by subject (nothing reads it by subject).
    @Test func acceptedEventsHaveOneIdempotencyKey() async throws {
        let db = try await DatabaseFixture.make()
        let indexes = try await db.indexes(of: "accepted_events")
        #expect(indexes.count == 2 && indexes.allSatisfy { $0.hasPrefix("CREATE UNIQUE INDEX") })
        #expect(indexes.contains { $0.hasSuffix("(agency, event_id)") })
        // The same (agency, event_id) in a later batch is a redelivery: kept once, scored once.
        #expect(try await db.score([Fixtures.event("court.order_ignored", "c1")]).count == 1)
        #expect(try await db.score([Fixtures.event("court.order_ignored", "c1")]).isEmpty)
        #expect(try await db.count("accepted_events") == 1)
        #expect(try await db.count("ledger") == 1)
        #expect(try await db.count("outbox") == 1)  // and no second message
        await db.shutdown()
    }

    /// The ledger's entry id is derived from its idempotency key, so the key's index alone
    /// guards it; the outbox has no unique index besides its position (consumers de-duplicate).
    @Test func ledgerAndOutboxHaveOneUniqueKeyEach() async throws {
        let db = try await DatabaseFixture.make()
        let ledger = try await db.indexes(of: "ledger").filter { $0.hasPrefix("CREATE UNIQUE INDEX") }
        #expect(ledger.count == 2)  // the seq primary key and the idempotency key
        #expect(ledger.contains { $0.hasSuffix("(agency, event_id, scheme, rule_id, rule_version, cause)") })
        #expect(try await db.indexes(of: "outbox").map { $0.hasSuffix("(seq)") } == [true])
        await db.shutdown()
    }

    /// Reading states locks, inside the reading transaction, every balance row of the subjects
    /// read and only theirs (so the expiry job and a consumer never interleave on one subject),
    /// and returns each row's points and version whatever order the subjects come in.
    @Test func stateReadLocksExactlyTheReadSubjectsBalances() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs"),
                            Fixtures.event("court.order_ignored", "c0"),
                            Fixtures.event("court.order_ignored", "c1", subject: Fixtures.otherPerson),
                            Fixtures.event("company.fraud", "f1", subject: Fixtures.company, agency: "ndrc")])
        let ledger = db.scorer.ledger, schema = db.schema
        let (states, locked) = try await db.pool.withTransaction { connection in
            // Not in code order: the read sorts them itself.
            let states = try ledger.states(of: [Fixtures.company, Fixtures.person], scope: .expiredBy(Fixtures.start),
                                           on: connection)
            // A row locked by this transaction carries its id as `xmax`.
            let locked = try connection.query("""
                SELECT subject || '/' || scheme FROM \(identifier: schema).balances
                WHERE xmax = pg_current_xact_id()::xid ORDER BY 1
                """).map { try $0.decode(String.self, at: 0) }
            return (states, locked)
        }
        #expect(locked == ["110101199003074514/citizen", "110101199003074514/dog-owner", "91350100M000100Y43/corporate"])
        #expect(states[Fixtures.person]?.points == ["citizen": 950, "dog-owner": 9])
        #expect(states[Fixtures.person]?.versions.count == 2)
        #expect(states[Fixtures.company]?.points == ["corporate": 950])
        #expect(states[Fixtures.otherPerson] == nil)
        await db.shutdown()
    }

    /// Balance pages keep half their room for the updates of their own rows.
    @Test func balancesLeaveRoomForUpdates() async throws {
        let db = try await DatabaseFixture.make()
        let options = try await db.pool.query("""
            SELECT coalesce(reloptions, '{}')::text FROM pg_class WHERE oid = (quote_ident(\(db.schema)) || '.balances')::regclass
            """).map { try $0.decode(String.self, at: 0) }
        #expect(options == ["{fillfactor=50}"])
        await db.shutdown()
    }

    /// `ANALYZE` samples 3,000 rows of the two growing tables (statistics target 10 on every
    /// column), not the default 30,000: each full sample took up to 1.4 s in autovacuum's bursts
    /// under load.
    @Test func ledgerAndConsumedEventsAreAnalyzedFromASmallSample() async throws {
        let db = try await DatabaseFixture.make()
        for table in ["ledger", "accepted_events"] {
            #expect(try await statisticsTargets(of: table, in: db.schema, on: db.pool) == [10], "\(table)")
        }
        await db.shutdown()
    }

    /// The history is read only for subjects whose events look back; escalations and caps
    /// still count the entries of earlier batches, whatever else those batches held.
    @Test func escalationsAndCapsCountEarlierBatches() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs"),
                            Fixtures.event("deed.volunteering", "v1", day: 1, agency: "collector"),
                            Fixtures.event("court.order_ignored", "c1", subject: Fixtures.otherPerson)])
        // Only the other person's history would be skipped here; this person's is read.
        let second = try await db.score([Fixtures.event("court.order_ignored", "c2", subject: Fixtures.otherPerson, day: 2),
                                         Fixtures.event("dog.unleashed", "d2", day: 3, agency: "jinan-dogs")])
        let changes = try second.map { try MessageCoding.decode(ScoreChange.self, from: Data($0.payload)) }
        #expect(changes.map(\.delta) == [-50, -6])  // the second offence within two years
        for (index, day) in [10, 20, 30].enumerated() {
            try await db.score([Fixtures.event("deed.volunteering", "v\(index + 2)", day: Double(day), agency: "collector")])
        }
        let capped = try await db.score([Fixtures.event("deed.volunteering", "v9", day: 40, agency: "collector")])
        let citizen = try capped.map { try MessageCoding.decode(ScoreChange.self, from: Data($0.payload)) }.filter { $0.scheme == "citizen" }
        #expect(citizen.map(\.delta) == [0])  // 20 points a year, used up by the four before
        // The history the scorer reads is only that of the subjects it names.
        let states = try await db.pool.withTransaction { connection in
            try db.scorer.ledger.states(of: [Fixtures.person, Fixtures.otherPerson],
                                        scope: .scoring(since: Fixtures.start, cappedRules: ["citizen.volunteering"], retracted: [],
                                                        historyOf: [Fixtures.otherPerson]), on: connection)
        }
        #expect(states[Fixtures.person]?.history.isEmpty == true)
        #expect(states[Fixtures.person]?.points["dog-owner"] == 9)  // 12 - 3 + 2 - 6 + 2 + 2, capped after
        #expect(states[Fixtures.otherPerson]?.history.isEmpty == true)  // court orders neither escalate nor cap
        await db.shutdown()
    }

    @Test func retractionInALaterBatchCompensates() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("loan.default", "p1", agency: "pboc"), Fixtures.event("loan.default", "p2", day: 1, agency: "pboc")])
        #expect(try await db.balances() == ["110101199003074514/citizen=980"])
        let messages = try await db.score([Fixtures.event("loan.default", "p3", day: 40, agency: "pboc", retracts: "p1")])
        #expect(messages.count == 1)
        let change = try MessageCoding.decode(ScoreChange.self, from: Data(try #require(messages.first).payload))
        #expect(change.reason == "retracted by pboc")
        #expect(change.delta == 10 && change.pointsAfter == 990 && change.cause == .retraction && change.compensating)
        #expect(change.eventID == "p1")
        #expect(try await db.balances() == ["110101199003074514/citizen=990"])
        await db.shutdown()
    }

    /// Compensating entries come with the history only to flag what they reverse: a retracted
    /// offence is neither counted by an escalation nor retracted twice.
    @Test func compensationsFlagTheEntriesTheyReverse() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs"),
                            Fixtures.event("dog.unleashed", "d2", day: 1, agency: "jinan-dogs")])
        try await db.score([Fixtures.event("dog.unleashed", "d3", day: 2, agency: "jinan-dogs", retracts: "d1")])
        let states = try await db.pool.withTransaction { connection in
            try db.scorer.ledger.states(of: [Fixtures.person],
                                        scope: .scoring(since: Fixtures.start, cappedRules: [], retracted: [],
                                                        historyOf: [Fixtures.person]), on: connection)
        }
        let history = try #require(states[Fixtures.person]).history
        #expect(history.map(\.eventID) == ["d1", "d2"])  // the compensation is not history
        #expect(history.map(\.isReversed) == [true, false])
        #expect(history.map(\.isRetracted) == [true, false])
        #expect(try await db.score([Fixtures.event("dog.unleashed", "d4", day: 3, agency: "jinan-dogs", retracts: "d1")]).isEmpty)
        let next = try await db.score([Fixtures.event("dog.unleashed", "d5", day: 4, agency: "jinan-dogs")])
        let deltas = try next.map { try MessageCoding.decode(ScoreChange.self, from: Data($0.payload)).delta }
        #expect(deltas == [-6])  // the second live offence in two years, not the third
        await db.shutdown()
    }

    @Test func expiryJobWritesCompensationsOnce() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("smoking.no_smoking_area", "s1", agency: "railway"),
                            Fixtures.event("court.order_ignored", "c1", day: 1)])
        let clock = ManualWallClock(Fixtures.start.addingTimeInterval(729 * Fixtures.day))
        let job = ExpiryJob(scorer: db.scorer, pool: db.pool, clock: clock, publisher: nil, logger: DatabaseFixture.logger)
        #expect(try await job.runOnce() == 0)
        clock.set(Fixtures.start.addingTimeInterval(731 * Fixtures.day))
        #expect(try await job.runOnce() == 1)
        #expect(try await job.runOnce() == 0)
        #expect(try await db.balances() == ["110101199003074514/citizen=950"])
        clock.set(Fixtures.start.addingTimeInterval(3000 * Fixtures.day))
        #expect(try await job.runOnce() == 1)
        #expect(try await db.balances() == ["110101199003074514/citizen=1000"])
        #expect(try await db.count("ledger") == 4)
        await db.shutdown()
    }

    /// A repeated entry is not skipped: it fails the transaction on the unique key (SQLSTATE
    /// 23505), so the balances cannot move for an entry the ledger did not take.
    @Test func aRepeatedEntryFailsTheTransaction() async throws {
        let db = try await DatabaseFixture.make()
        let event = Fixtures.event("court.order_ignored", "c1")
        try await db.score([event])
        let entries = try await db.pool.withTransaction { connection in
            try db.scorer.ledger.entries(of: event.subject, on: connection)
        }
        #expect(entries.count == 1)
        let ledger = db.scorer.ledger
        await #expect { try await db.pool.withTransaction { try ledger.append(entries, on: $0) } } throws: { error in
            (error as? PostgresError)?.sqlState == "23505"
        }
        #expect(try await db.count("ledger") == 1)
        await db.shutdown()
    }

    @Test func ledgerIsAppendOnly() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("court.order_ignored", "c1")])
        await #expect(throws: PostgresError.self) {
            try await db.pool.execute("UPDATE \(identifier: db.schema).ledger SET delta = 0")
        }
        await #expect(throws: PostgresError.self) {
            try await db.pool.execute("DELETE FROM \(identifier: db.schema).ledger")
        }
        await db.shutdown()
    }
}
