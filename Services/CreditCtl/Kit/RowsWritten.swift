import Foundation
import PostgresClient

/// The rows the pipeline's tables took during one stretch of a run (the throughput run), per
/// table and per event, from PostgreSQL's per-table counters (`pg_stat_user_tables`).
///
/// Issue 8 measures throughput against COPY's rows/s on the premise that each event writes about
/// four rows. This records how many the pipeline writes, so a run shows how far its events/s are
/// from what COPY alone would take for the same rows (`copyLimitEventsPerS`).
public struct RowsWritten: Codable, Sendable, Hashable {
    /// One table's writes.
    public struct Table: Codable, Sendable, Hashable {
        /// `schema.table`.
        public var table: String
        /// Rows inserted.
        public var inserted: Int64
        /// Rows updated (an upsert that found its row counts here, not as an insert).
        public var updated: Int64
        /// Rows deleted.
        public var deleted: Int64

        /// Rows written in any way.
        var total: Int64 { inserted + updated + deleted }
    }

    /// Events the stretch carried.
    public var events: Int
    /// Tables that were written, most rows first.
    public var tables: [Table]

    /// Rows inserted per event, over every table.
    public var insertedPerEvent: Double { perEvent(\.inserted) }
    /// Rows updated per event.
    public var updatedPerEvent: Double { perEvent(\.updated) }
    /// Rows deleted per event (published outbox rows).
    public var deletedPerEvent: Double { perEvent(\.deleted) }

    /// The events/s at which COPY, at `copyRowsPerS`, would only insert the rows each event
    /// inserted (no updates, deletes, reads, services or broker): the premise of issue 8's target
    /// at this run's row count. Zero when nothing was inserted.
    public func copyLimitEventsPerS(copyRowsPerS: Double) -> Double {
        insertedPerEvent > 0 ? copyRowsPerS / insertedPerEvent : 0
    }

    private func perEvent(_ count: KeyPath<Table, Int64>) -> Double {
        events > 0 ? Double(tables.reduce(0) { $0 + $1[keyPath: count] }) / Double(events) : 0
    }

    /// The counters of every table in `schemas` (the tables of a COPY measurement, `*_copy_limit`,
    /// left out), to subtract with ``since(_:events:)``.
    public struct Snapshot: Sendable {
        let counters: [String: Table]

        /// Reads the counters. A backend that went idle within a second of its last report holds
        /// its counts for up to 10 s (`PGSTAT_IDLE_INTERVAL`), so take a snapshot 11 s or more
        /// after the pipeline stopped writing (``PipelineBenchmark`` waits that long).
        public static func take(schemas: [String], pool: PostgresPool) async throws -> Snapshot {
            let rows = try await pool.query("""
                SELECT schemaname::text, relname::text, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables
                WHERE schemaname = ANY(\(schemas)::text[]) AND relname NOT LIKE '%\\_copy\\_limit'
                """)
            var counters: [String: Table] = [:]
            for row in rows {
                let name = "\(try row.decode(String.self, at: 0)).\(try row.decode(String.self, at: 1))"
                counters[name] = Table(table: name, inserted: try row.decode(Int64.self, at: 2),
                                       updated: try row.decode(Int64.self, at: 3), deleted: try row.decode(Int64.self, at: 4))
            }
            return Snapshot(counters: counters)
        }

        /// The writes between `earlier` and this snapshot, for `events` events.
        public func since(_ earlier: Snapshot, events: Int) -> RowsWritten {
            let tables = counters.values.compactMap { now -> Table? in
                let before = earlier.counters[now.table]
                let table = Table(table: now.table, inserted: now.inserted - (before?.inserted ?? 0),
                                  updated: now.updated - (before?.updated ?? 0), deleted: now.deleted - (before?.deleted ?? 0))
                return table.total > 0 ? table : nil
            }
            return RowsWritten(events: events, tables: tables.sorted { ($0.total, $1.table) > ($1.total, $0.table) })
        }
    }
}
