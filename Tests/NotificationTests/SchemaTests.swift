import PostgresClient
import Notification
import Testing
import TestSupport

/// The notification schema as its migrations leave it.
@Suite struct NotificationSchemaTests {
    /// `ANALYZE` samples 3,000 rows of `notices` (statistics target 10 on every column), not the
    /// default 30,000: autovacuum analyzes it often under load.
    @Test func noticesAreAnalyzedFromASmallSample() async throws {
        let (pool, schema) = try await Fixtures.migratedSchema()
        #expect(try await statisticsTargets(of: "notices", in: schema, on: pool) == [10])
        await pool.shutdown()
    }
}
