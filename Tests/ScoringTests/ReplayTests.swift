import CreditModel
import Foundation
@testable import Scoring
import Testing
import TestSupport

/// Replay proves the ledger is a pure function of the consumed events and the rulebook.
@Suite struct ReplayTests {
    @Test func replayEqualsLiveAfterARandomStreamOf10000Events() async throws {
        let db = try await DatabaseFixture.make()
        let events = SyntheticEvents().events(count: 10_000, seed: 42)
        #expect(events.contains { $0.retracts != nil })
        var index = 0
        while index < events.count {
            let size = [1, 37, 500, 1000][index % 4]
            try await db.score(Array(events[index..<min(index + size, events.count)]))
            index += size
        }
        let end = Fixtures.start.addingTimeInterval(5 * 365 * Fixtures.day)
        let scorer = db.scorer
        while try await db.pool.withTransaction({ try scorer.expire(at: end, limit: 200, on: $0) }).count > 0 {}
        #expect(try await db.count("accepted_events") == 10_000)
        // Batched scoring with partial history loads equals the pure engine run over everything in memory.
        let memory = WhatIf.simulate(events, rulebook: Fixtures.rulebook, at: end)
        let expected = memory.values.flatMap { state in state.points.map { "\(state.subject)/\($0.key)=\($0.value)" } }.sorted()
        #expect(try await db.balances() == expected)

        let fresh = db.schema + "_replay"
        let report = try await Replay(pool: db.pool, liveSchema: db.schema, rulebook: Fixtures.rulebook)
            .run(into: fresh, expireAt: end)
        #expect(report.events == 10_000)
        #expect(report.entries == (try await db.count("ledger")))
        #expect(report.entries > 10_000)
        #expect(report.isIdentical, "\(report)")
        await db.shutdown()
    }

    @Test func replayReportsADifference() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("court.order_ignored", "c1")])
        var rulebook = Fixtures.rulebook
        rulebook.rules = rulebook.rules.map { rule in
            var rule = rule
            if rule.id == "citizen.court-order-ignored" { rule.points = -40 }
            return rule
        }
        let report = try await Replay(pool: db.pool, liveSchema: db.schema, rulebook: rulebook).run(into: db.schema + "_replay", expireAt: nil)
        #expect(!report.isIdentical)
        #expect(report.balanceDifferences == ["110101199003074514/citizen: live 950, replayed 960"])
        #expect(report.entryDifferences.count == 1)
        await db.shutdown()
    }
}

/// The benchmark runs end to end on a small stream (the numbers come from `scoring bench`).
@Suite struct BenchmarkTests {
    @Test func benchmarkScoresAndCopiesTheSameRows() async throws {
        let db = try await DatabaseFixture.make()
        let result = try await ScoringBenchmark(pool: db.pool, schema: db.schema + "_bench", options: .init(events: 1000, batchSize: 250))
            .run(rulebook: Fixtures.rulebook)
        #expect(result.events == 1000)
        #expect(result.ledgerRows > 900)
        #expect(result.description.contains("events/s"))
        let copied = try await db.pool.query("SELECT count(*) FROM \(identifier: db.schema + "_bench").copy_target")
        #expect(try copied.first?.decode(Int.self, at: 0) == result.ledgerRows)
        await db.shutdown()
    }

    /// Small transactions on many subjects, as in the paced pipeline: every event kept once, the
    /// subjects drawn from the many asked for (the default 500 would give about 350 distinct), the
    /// last transaction's offset stored.
    @Test func benchmarkTakesTransactionSizeAndSubjects() async throws {
        let db = try await DatabaseFixture.make()
        let schema = db.schema + "_bench_small"
        let result = try await ScoringBenchmark(pool: db.pool, schema: schema, options: .init(events: 600, batchSize: 7, subjects: 5000))
            .run(rulebook: Fixtures.rulebook)
        #expect(result.events == 600)
        let counts = try await db.pool.query("""
            SELECT (SELECT count(*) FROM \(identifier: schema).accepted_events),
                   (SELECT count(DISTINCT subject) FROM \(identifier: schema).accepted_events),
                   (SELECT next_offset FROM \(identifier: schema).consumer_offsets)
            """)
        let row = try #require(counts.first)
        #expect(try row.decode(Int.self, at: 0) == 600)
        #expect(try row.decode(Int.self, at: 1) > 400)  // 600 draws from 5,000 subjects: few repeats
        #expect(try row.decode(Int.self, at: 2) == 600)
        await db.shutdown()
    }

    @Test func benchOptionsAreOptionalPositiveNumbers() {
        #expect(ScoringBenchmark.Options([]) == ScoringBenchmark.Options())
        #expect(ScoringBenchmark.Options(["20000", "2000", "500"]) == ScoringBenchmark.Options())
        let options = ScoringBenchmark.Options(["100", "7", "30000"])
        #expect(options?.events == 100)
        #expect(options?.batchSize == 7)
        #expect(options?.subjects == 30000)
        #expect(ScoringBenchmark.Options(["100", "0"]) == nil)
        #expect(ScoringBenchmark.Options(["many"]) == nil)
        #expect(ScoringBenchmark.Options(["1", "2", "3", "4"]) == nil)
    }
}
