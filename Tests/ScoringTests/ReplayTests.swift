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
        let result = try await ScoringBenchmark(pool: db.pool, schema: db.schema + "_bench", events: 1000, batchSize: 250)
            .run(rulebook: Fixtures.rulebook)
        #expect(result.events == 1000)
        #expect(result.ledgerRows > 900)
        #expect(result.description.contains("events/s"))
        let copied = try await db.pool.query("SELECT count(*) FROM \(identifier: db.schema + "_bench").copy_target")
        #expect(try copied.first?.decode(Int.self, at: 0) == result.ledgerRows)
        await db.shutdown()
    }
}
