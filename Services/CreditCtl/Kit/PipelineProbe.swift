import CreditModel
import Foundation
import KafkaClient
import Logging
import PostgresClient

/// Reads the pipeline's progress without disturbing it: consumed offsets and outbox sizes
/// from each service's schema, watermarks from the broker (through a consumer that never
/// subscribes).
public struct PipelineProbe: Sendable {
    /// The run's database.
    public let pool: PostgresPool
    /// A consumer used only for watermark queries.
    public let kafka: KafkaConsumer
    /// Partitions of the topics.
    public let partitions: TopicPartitions

    /// A probe of `pool` and the broker at `bootstrap`.
    public init(pool: PostgresPool, bootstrap: String, partitions: TopicPartitions, logger: Logger) throws {
        self.pool = pool
        self.partitions = partitions
        kafka = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: bootstrap,
                                                                            groupID: "bench-probe-\(UUID().uuidString.prefix(8))"),
                                  logger: logger)
    }

    /// Messages of `topics` that `schema`'s service has committed (sum of its stored next
    /// offsets); 0 before the service created its tables.
    public func committed(_ schema: String, topics: [String]) async -> Int64 {
        let result = try? await pool.query("""
            SELECT coalesce(sum(next_offset), 0)::bigint FROM \(identifier: schema).consumer_offsets
            WHERE topic = ANY(\(topics)::text[])
            """)
        return (try? result?.first?.decode(Int64.self, at: 0)) ?? 0
    }

    /// Stored next offsets of `schema`'s service, by partition.
    public func storedOffsets(_ schema: String) async throws -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for row in try await pool.query("SELECT topic, partition, next_offset FROM \(identifier: schema).consumer_offsets") {
            offsets[KafkaTopicPartition(topic: try row.decode(String.self, at: 0), partition: Int32(try row.decode(Int.self, at: 1)))] =
                try row.decode(Int64.self, at: 2)
        }
        return offsets
    }

    /// Who each PostgreSQL process serves, by process id: the `application_name` of its
    /// connection, or its kind for the server's own processes (`walwriter`, …); empty when the
    /// server cannot be asked. For ``CPUSnapshot/take(processes:postgresNames:)``.
    public func postgresNames() async -> [Int32: String] {
        guard let rows = try? await pool.query("""
            SELECT pid, coalesce(nullif(application_name, ''), backend_type::text) FROM pg_stat_activity
            """) else { return [:] }
        var names: [Int32: String] = [:]
        for row in rows {
            if let pid = try? row.decode(Int.self, at: 0), let name = try? row.decode(String.self, at: 1) { names[Int32(pid)] = name }
        }
        return names
    }

    /// How often autovacuum has vacuumed and analyzed one table so far.
    public struct MaintenanceCount: Sendable, Hashable {
        /// `autovacuum_count`.
        public var vacuums: Int
        /// `autoanalyze_count`.
        public var analyzes: Int
    }

    /// ``MaintenanceCount`` of each table (`schema.table`), from `pg_stat_user_tables`; nil when
    /// the server cannot be asked. Two readings tell which tables autovacuum worked on in
    /// between (``autovacuumed(since:)``).
    public func maintenanceCounts() async -> [String: MaintenanceCount]? {
        guard let rows = try? await pool.query("""
            SELECT schemaname || '.' || relname, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables
            """) else { return nil }
        var counts: [String: MaintenanceCount] = [:]
        for row in rows {
            guard let table = try? row.decode(String.self, at: 0), let vacuums = try? row.decode(Int.self, at: 1),
                  let analyzes = try? row.decode(Int.self, at: 2) else { return nil }
            counts[table] = MaintenanceCount(vacuums: vacuums, analyzes: analyzes)
        }
        return counts
    }

    /// What autovacuum did since `earlier` (a ``maintenanceCounts()`` reading), one item per
    /// table and kind, sorted: `scoring.balances (analyze)`, `ingest.outbox (vacuum ×2)`. Nil
    /// when either reading failed: counting from nothing would list every table ever visited.
    public func autovacuumed(since earlier: [String: MaintenanceCount]?) async -> [String]? {
        guard let earlier, let now = await maintenanceCounts() else { return nil }
        var done: [String] = []
        for (table, count) in now.sorted(by: { $0.key < $1.key }) {
            let before = earlier[table] ?? MaintenanceCount(vacuums: 0, analyzes: 0)
            for (kind, times) in [("vacuum", count.vacuums - before.vacuums), ("analyze", count.analyzes - before.analyzes)]
            where times > 0 {
                done.append("\(table) (\(kind)\(times > 1 ? " ×\(times)" : ""))")
            }
        }
        return done
    }

    /// Rows in `schema`'s outbox (0 before the service created it).
    public func outbox(_ schema: String) async -> Int {
        let result = try? await pool.query("SELECT count(*) FROM \(identifier: schema).outbox")
        return (try? result?.first?.decode(Int.self, at: 0)) ?? 0
    }

    /// Rows of `schema.table`.
    public func count(_ schema: String, _ table: String) async throws -> Int {
        try await pool.query("SELECT count(*) FROM \(identifier: schema).\(identifier: table)").first?.decode(Int.self, at: 0) ?? 0
    }

    /// Up to `limit` rows of a dead-letter table as JSON, without their raw bytes (`raw`,
    /// `payload`), so that a failed check says why a message was refused.
    public func samples(_ schema: String, _ table: String, limit: Int = 3) async throws -> [String] {
        try await pool.query("""
            SELECT (to_jsonb(t) - 'raw' - 'payload')::text FROM \(identifier: schema).\(identifier: table) t LIMIT \(limit)
            """).map { try $0.decode(String.self, at: 0) }
    }

    /// Low and high watermarks of every partition of `topic`.
    public func watermarks(_ topic: String) async throws -> [Int32: (low: Int64, high: Int64)] {
        var marks: [Int32: (low: Int64, high: Int64)] = [:]
        for partition in 0..<Int32(partitions.count(of: topic)) {
            marks[partition] = try await kafka.watermarks(topic: topic, partition: partition)
        }
        return marks
    }

    /// Messages ever written to `topics` (sum of high watermarks).
    public func produced(_ topics: [String]) async throws -> Int64 {
        var total: Int64 = 0
        for topic in topics { total += try await watermarks(topic).values.reduce(0) { $0 + $1.high } }
        return total
    }

    /// Closes the watermark consumer.
    public func close() async { await kafka.close() }
}
