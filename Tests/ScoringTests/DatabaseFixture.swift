import CreditModel
import Foundation
import Logging
import Pipeline
import PostgresClient
@testable import Scoring
import TestSupport

/// A private scoring schema in the test database, with a scorer over the default rulebook that
/// remembers histories as the service's does (so every scoring test runs that path too; replay,
/// which reads every history, checks it).
struct DatabaseFixture {
    static let logger = Logger(label: "scoring-tests")
    let pool: PostgresPool
    let schema: String
    let scorer: Scorer

    static func make(historyCache: HistoryCache? = HistoryCache(capacity: 10_000)) async throws -> DatabaseFixture {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 2), logger: logger)
        let schema = TestEnvironment.uniqueName("scoring").replacingOccurrences(of: "-", with: "_")
        try await pool.migrate(schema: schema, migrations: ScoringSchema.migrations)
        return DatabaseFixture(pool: pool, schema: schema,
                               scorer: Scorer(engine: RuleEngine(rulebook: Fixtures.rulebook), ledger: Ledger(schema: schema),
                                              historyCache: historyCache))
    }

    /// Another scorer on the same schema (another instance of the service), with its own cache.
    func anotherScorer(historyCache: HistoryCache? = HistoryCache(capacity: 10_000)) -> Scorer {
        Scorer(engine: scorer.engine, ledger: scorer.ledger, historyCache: historyCache)
    }

    /// Scores `events` in one transaction, as one consumed batch, enqueueing the messages (with
    /// `scorer`, or the fixture's own).
    @discardableResult
    func score(_ events: [AcceptedEvent], with other: Scorer? = nil) async throws -> [OutboxMessage] {
        let scorer = other ?? scorer
        return try await pool.withTransaction { connection in
            let messages = try scorer.score(events, on: connection)
            try Outbox(schema: scorer.ledger.schema).enqueue(messages, on: connection)
            return messages
        }
    }

    func count(_ table: String) async throws -> Int {
        try await pool.query("SELECT count(*) FROM \(identifier: schema).\(identifier: table)").first?.decode(Int.self, at: 0) ?? -1
    }

    /// The definitions of `table`'s indexes (`CREATE [UNIQUE] INDEX …`), by name.
    func indexes(of table: String) async throws -> [String] {
        try await pool.query("""
            SELECT indexdef FROM pg_indexes WHERE schemaname = \(schema) AND tablename = \(table) ORDER BY indexname
            """).map { try $0.decode(String.self, at: 0) }
    }

    /// Every balance as `subject/scheme=points`, sorted.
    func balances() async throws -> [String] {
        try await pool.query("SELECT subject, scheme, points FROM \(identifier: schema).balances ORDER BY 1, 2").map {
            "\(try $0.decode(String.self, at: 0))/\(try $0.decode(String.self, at: 1))=\(try $0.decode(Int.self, at: 2))"
        }
    }

    func shutdown() async { await pool.shutdown() }
}
