import CreditCtlKit
import Foundation
import Logging
import PostgresClient
import Testing

/// `WALSegments` on a private cluster: a new cluster has no WAL segment ahead of the one it
/// writes, so its next commits would wait for segments to be created; afterwards it has them.
@Suite struct WALSegmentsTests {
    /// Segments in `pg_wal` after the one being written: those a commit reuses instead of creating.
    static func segmentsAhead(on pool: PostgresPool) async throws -> Int {
        let rows = try await pool.query("""
            SELECT count(*)::int FROM pg_ls_waldir()
            WHERE name ~ '^[0-9A-F]{24}$' AND name > pg_walfile_name(pg_current_wal_insert_lsn())
            """)
        return try #require(rows.first).decode(Int.self, at: 0)
    }

    @Test func aNewClusterGetsRecycledSegmentsUpToMinWALSize() async throws {
        let directory = try LauncherTests.temporaryDirectory("walsegments")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = PostgresCluster(directory: "\(directory)/pg",
                                      serverOptions: ["-c", "fsync=off", "-c", "min_wal_size=128MB", "-c", "max_wal_size=1GB"])
        let url = try await cluster.start()
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 1), logger: Logger(label: "wal-test"))
        do {
            #expect(try await Self.segmentsAhead(on: pool) == 0, "a new cluster creates each segment as it needs it")
            #expect(try await WALSegments.recycle(on: pool) == 8, "128 MB of 16 MB segments")
            let ahead = try await Self.segmentsAhead(on: pool)
            #expect(ahead >= 7, "the switched-through segments wait for reuse (min_wal_size counts the current one): \(ahead)")
            // A checkpoint with nothing new to write keeps them (min_wal_size).
            _ = try await pool.execute("CHECKPOINT")
            #expect(try await Self.segmentsAhead(on: pool) == ahead)
        } catch {
            await pool.shutdown()
            try? await cluster.stop()
            throw error
        }
        await pool.shutdown()
        try await cluster.stop()
    }
}
