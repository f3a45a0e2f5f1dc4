import PostgresClient
@testable import Sanctions
import Testing
import TestSupport

/// The sanctions schema as its migrations leave it.
@Suite struct SanctionsSchemaTests {
    /// `ANALYZE` samples 3,000 rows of `cases` and `case_transitions` (statistics target 10 on
    /// every column), not the default 30,000: autovacuum analyzes both often under load, and
    /// theirs were among the costliest analyzes of its rounds.
    @Test func casesAndTransitionsAreAnalyzedFromASmallSample() async throws {
        let fixture = try await Fixtures.make()
        for table in ["cases", "case_transitions"] {
            #expect(try await statisticsTargets(of: table, in: fixture.schema, on: fixture.pool) == [10], "\(table)")
        }
        await fixture.shutdown()
    }
}
