import Ingest
import PostgresClient
import Testing
import TestSupport

/// The ingest schema as its migrations leave it.
@Suite struct IngestSchemaTests {
    /// Each event row pays one index insert: its idempotency key. Nothing reads events by
    /// subject, so there is no index for it; the outbox has only its position.
    @Test func eventsAndOutboxCarryOnlyTheIndexesThatAreRead() async throws {
        let fixture = try await IngestFixture.make()
        try await fixture.withService { _ in }
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1),
                                logger: IngestFixture.logger)
        func indexes(_ table: String) async throws -> [String] {
            try await pool.query("""
                SELECT indexdef FROM pg_indexes WHERE schemaname = \(fixture.schema) AND tablename = \(table) ORDER BY indexname
                """).map { try $0.decode(String.self, at: 0) }
        }
        let events = try await indexes("events")
        #expect(events.count == 1)
        #expect(events.first?.hasSuffix("(agency, event_id)") == true)
        let outbox = try await indexes("outbox")
        #expect(outbox.count == 1)
        #expect(outbox.first?.hasSuffix("(seq)") == true)
        await pool.shutdown()
    }

    /// `ANALYZE` samples 3,000 rows of `events` (statistics target 10 on every column), not the
    /// default 30,000: autovacuum analyzes the growing table often, and each full sample took
    /// up to 1.4 s in autovacuum's bursts under load.
    @Test func eventsAreAnalyzedFromASmallSample() async throws {
        let fixture = try await IngestFixture.make()
        try await fixture.withService { _ in }
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1),
                                logger: IngestFixture.logger)
        #expect(try await statisticsTargets(of: "events", in: fixture.schema, on: pool) == [10])
        await pool.shutdown()
    }
}
