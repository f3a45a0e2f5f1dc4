import PostgresClient

/// Gives a new PostgreSQL cluster the recycled WAL segments that a server in steady state has,
/// so that the benchmark measures the pipeline rather than the cluster's first gigabytes of WAL.
///
/// A new cluster has almost no segments. Each time its WAL fills one (16 MB), the process
/// writing WAL creates the next one, zero-filling and fsyncing 16 MB while it holds
/// `WALWriteLock`, so no commit can flush in that time. On the 2-core VM, creating 128 segments
/// took 6.1 s, so each creation blocks commits for about 48 ms. One 200,000-event repetition of
/// the benchmark wrote 2.0 GB of WAL, about 125 segments, so on a new cluster a latency run meets
/// such a block about once a second. A server that has been running renames the segments that a
/// checkpoint retires and reuses them, up to `min_wal_size`, without zero-filling them. The
/// same paced insert load under pgbench (1,000 transactions/s of 20 rows, 23 MB of WAL a second,
/// 30 s, fresh clusters, interleaved) had a commit p99 of 15–137 ms (six runs) on a new cluster
/// and 3.7–5.6 ms (five runs, one after the recycled segments sat unused for 100 s) on a cluster
/// that had recycled segments.
public enum WALSegments {
    /// Switches to a new WAL segment once for each segment that fits in `min_wal_size`, and then
    /// checkpoints, which keeps them all for reuse. This is worth doing once, on a cluster that
    /// the benchmark owns. It writes `min_wal_size` of WAL (4 GB with
    /// ``PostgresCluster/tuning``), which took 3.6–8.9 s in four benchmark runs on the 2-core VM.
    /// Returns the number of segments switched through.
    @discardableResult
    public static func recycle(on pool: PostgresPool) async throws -> Int {
        // A switch counts only after some WAL has been written since the last one: a tiny
        // non-transactional message per segment provides that WAL, so each switch moves to a
        // new segment.
        let rows = try await pool.query("""
            SELECT count(pg_switch_wal()) FROM generate_series(1,
                (pg_size_bytes(current_setting('min_wal_size')) / pg_size_bytes(current_setting('wal_segment_size')))::int) AS g
            WHERE pg_logical_emit_message(false, 'creditctl-bench', g::text) IS NOT NULL
            """)
        try await pool.execute("CHECKPOINT")
        return try rows.first.map { try $0.decode(Int.self, at: 0) } ?? 0
    }
}
