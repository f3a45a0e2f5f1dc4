import CreditModel
import Foundation
import Pipeline
import PostgresClient
@testable import Scoring
import ServiceSupport
import Testing
import TestSupport

/// Histories remembered between batches are used only while nothing else wrote the subject:
/// each is checked against the balance versions (`xmin`) read under lock in the same transaction.
@Suite struct HistoryCacheTests {
    /// Dog offences escalate -3, -6, -12 within two years (the default rulebook).
    static func offence(_ id: String, day: Double) -> AcceptedEvent {
        Fixtures.event("dog.unleashed", id, day: day, agency: "jinan-dogs")
    }

    /// Which offence within the window each score change counted ("match N within 2y"): the
    /// points alone cannot tell, as the dog-owner scheme's floor of 0 clamps the third.
    static func matches(_ messages: [OutboxMessage]) throws -> [Int] {
        try messages.map { message in
            let reason = try MessageCoding.decode(ScoreChange.self, from: Data(message.payload)).reason
            guard let match = reason.firstMatch(of: /match (\d+) within/), let number = Int(match.1) else { return 0 }
            return number
        }
    }

    /// The offence each score change of the batch counted.
    static func matches(scoring events: [AcceptedEvent], in db: DatabaseFixture, with scorer: Scorer? = nil) async throws -> [Int] {
        try matches(try await db.score(events, with: scorer))
    }

    @Test func aSubjectScoredAgainUsesItsRememberedHistory() async throws {
        let cache = HistoryCache(capacity: 1_000)
        let db = try await DatabaseFixture.make(historyCache: cache)
        #expect(try await Self.matches(scoring: [Self.offence("d1", day: 0)], in: db) == [1])
        #expect(try await Self.matches(scoring: [Self.offence("d2", day: 1)], in: db) == [2])
        #expect(try await Self.matches(scoring: [Self.offence("d3", day: 2)], in: db) == [3])
        #expect(cache.lookups.hits == 2)
        #expect(cache.lookups.stale == 0)
        #expect(cache.lookups.absent == 1, "the first batch read the history")
        await db.shutdown()
    }

    /// Another instance scores the subject in between: the first one's remembered history is
    /// stale, misses, and is read again, so the third offence counts the second. Without the
    /// version check the first instance would count one earlier offence, not two.
    @Test func aWriteByAnotherInstanceMakesTheRememberedHistoryMiss() async throws {
        let cache = HistoryCache(capacity: 1_000)
        let db = try await DatabaseFixture.make(historyCache: cache)
        let other = db.anotherScorer()
        #expect(try await Self.matches(scoring: [Self.offence("d1", day: 0)], in: db) == [1])
        #expect(try await Self.matches(scoring: [Self.offence("d2", day: 1)], in: db, with: other) == [2])
        #expect(try await Self.matches(scoring: [Self.offence("d3", day: 2)], in: db) == [3])
        #expect(cache.lookups.hits == 0)
        #expect(cache.lookups.stale == 1)
        // Remembered again after the read: the next batch hits.
        #expect(try await Self.matches(scoring: [Self.offence("d4", day: 3)], in: db) == [4])
        #expect(cache.lookups.hits == 1)
        await db.shutdown()
    }

    /// A history is remembered before its transaction commits, with that transaction's id as the
    /// balance version. When the transaction rolls back, no balance ever carries that id, so the
    /// remembered history (which holds the rolled-back offence) misses.
    @Test func aRolledBackTransactionLeavesNoUsableHistory() async throws {
        struct Abandoned: Error {}
        let cache = HistoryCache(capacity: 1_000)
        let db = try await DatabaseFixture.make(historyCache: cache)
        #expect(try await Self.matches(scoring: [Self.offence("d1", day: 0)], in: db) == [1])
        let scorer = db.scorer
        await #expect(throws: Abandoned.self) {
            try await db.pool.withTransaction { connection in
                #expect(try Self.matches(scorer.score([Self.offence("d2", day: 1)], on: connection)) == [2])
                throw Abandoned()
            }
        }
        #expect(cache.lookups.hits == 1)
        #expect(try await Self.matches(scoring: [Self.offence("d3", day: 2)], in: db) == [2], "only d1 came before")
        #expect(cache.lookups.stale == 1)
        #expect(try await db.count("ledger") == 2)
        await db.shutdown()
    }

    /// The expiry job writes compensations (and balances) through the same scorer: a history
    /// remembered before misses after it, and what it reads holds the compensation's flag.
    @Test func theExpiryJobsWritesMakeTheRememberedHistoryMiss() async throws {
        let cache = HistoryCache(capacity: 1_000)
        let db = try await DatabaseFixture.make(historyCache: cache)
        try await db.score([Self.offence("d1", day: 0)])
        let clock = ManualWallClock(Fixtures.start.addingTimeInterval(731 * Fixtures.day))
        let job = ExpiryJob(scorer: db.scorer, pool: db.pool, clock: clock, publisher: nil, logger: DatabaseFixture.logger)
        #expect(try await job.runOnce() == 1)
        #expect(try await Self.matches(scoring: [Self.offence("d2", day: 732)], in: db) == [1], "d1 is outside the two years")
        #expect(cache.lookups.stale == 1)
        #expect(try await db.balances() == ["110101199003074514/dog-owner=9"])
        await db.shutdown()
    }

    /// The same stream scored with and without remembered histories, in batches of mixed sizes
    /// (retractions included), leaves the same ledger and balances, and the cache was used.
    @Test func scoringWithRememberedHistoriesEqualsReadingThemAll() async throws {
        let cache = HistoryCache(capacity: 100_000)
        let cached = try await DatabaseFixture.make(historyCache: cache)
        let plain = try await DatabaseFixture.make(historyCache: nil)
        let events = SyntheticEvents().events(count: 3_000, seed: 11)
        #expect(events.contains { $0.retracts != nil })
        var index = 0
        while index < events.count {
            let size = [1, 7, 60, 200][index % 4]
            let batch = Array(events[index..<min(index + size, events.count)])
            try await cached.score(batch)
            try await plain.score(batch)
            index += size
        }
        #expect(cache.lookups.hits > 100, "\(cache.lookups)")
        #expect(try await cached.balances() == (try await plain.balances()))
        let report = try await cached.pool.withTransaction { connection in
            try Replay.compare(live: cached.schema, replayed: plain.schema, events: events.count, on: connection)
        }
        #expect(report.isIdentical, "\(report)")
        await cached.shutdown()
        await plain.shutdown()
    }

    /// However many subjects pass, at most two generations of `capacity` entries stay.
    @Test func theCacheStaysWithinItsBound() throws {
        let cache = HistoryCache(capacity: 10)
        let engine = RuleEngine(rulebook: Fixtures.rulebook)
        var subjects: [SubjectCode] = []
        var random = SplitMix64(seed: 5)
        while subjects.count < 100 {
            let subject = SubjectCode.randomPerson(using: &random)
            guard !subjects.contains(subject) else { continue }
            let number = subjects.count
            var state = SubjectState(subject: subject)
            for offence in 0..<3 {
                _ = engine.apply(Fixtures.event("dog.unleashed", "d\(offence)", subject: subject, day: Double(offence),
                                                agency: "jinan-dogs"), to: &state)
            }
            #expect(state.history.count == 3)
            cache.remember([(subject, HistoryCache.Item(versions: ["dog-owner": UInt32(number)], since: Fixtures.start,
                                                        history: state.history))])
            subjects.append(subject)
        }
        #expect(cache.subjects <= 6)
        #expect(cache.take(subjects[99], versions: ["dog-owner": 99], since: Fixtures.start)?.history.count == 3)
        #expect(!cache.contains(subjects[99]), "a hit is taken out, for the scorer to remember again")
        #expect(cache.contains(subjects[98]))
        #expect(cache.take(subjects[98], versions: ["dog-owner": 98], since: Fixtures.start.addingTimeInterval(-1)) == nil,
                "a read reaching further back than what is remembered misses")
        #expect(!cache.contains(subjects[98]), "a miss forgets")
        #expect(cache.take(subjects[97], versions: ["dog-owner": 7], since: Fixtures.start) == nil, "other versions miss")
        #expect(cache.take(subjects[0], versions: ["dog-owner": 0], since: Fixtures.start) == nil, "dropped long ago")
        #expect(cache.lookups.hits == 1 && cache.lookups.stale == 3)
    }
}
