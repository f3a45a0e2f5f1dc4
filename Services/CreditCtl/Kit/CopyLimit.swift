import PostgresClient

/// The raw COPY limit of a table the pipeline wrote: its rows (read back as text, at most
/// `limit` of them) are COPYed in one transaction into a fresh table shaped like it
/// (`LIKE ... INCLUDING ALL`: same columns, defaults, indexes and constraints, no triggers),
/// in the same database and run. Only the COPY is timed.
public struct CopyLimit: Sendable {
    /// The database.
    public let pool: PostgresPool

    /// A measurement against `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    /// One COPY measurement.
    public struct Result: Codable, Sendable, Hashable {
        /// The source table, `schema.table`.
        public var table: String
        /// Rows copied.
        public var rows: Int
        /// Seconds the COPY took (begin to commit).
        public var seconds: Double
        /// Rows per second.
        public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
    }

    /// COPYs up to `limit` rows of `schema.table` into `schema.<table>_copy_limit` (created,
    /// then dropped) and times it. Identity and generated columns are left to the target.
    public func measure(schema: String, table: String, limit: Int = 200_000) async throws -> Result {
        let columns = try await pool.query("""
            SELECT column_name::text FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = \(table) AND is_identity = 'NO' AND is_generated = 'NEVER'
            ORDER BY ordinal_position
            """).map { try $0.decode(String.self, at: 0) }
        guard !columns.isEmpty else { throw CopyLimitError.noSuchTable("\(schema).\(table)") }
        let selectList = columns.map { PostgresQuery.quoteIdentifier($0) + "::text" }.joined(separator: ", ")
        let values: [[String?]] = try await pool.query("""
            SELECT \(unsafeRaw: selectList) FROM \(identifier: schema).\(identifier: table) LIMIT \(limit)
            """).map { row in try columns.indices.map { try row.decode(String?.self, at: $0) } }
        let target = table + "_copy_limit"
        try await pool.execute("DROP TABLE IF EXISTS \(identifier: schema).\(identifier: target)")
        try await pool.execute("CREATE TABLE \(identifier: schema).\(identifier: target) (LIKE \(identifier: schema).\(identifier: table) INCLUDING ALL)")
        let clock = ContinuousClock()
        let started = clock.now
        let copied = try await pool.withTransaction { connection in
            try connection.copy(into: target, schema: schema, columns: columns) { writer in
                for row in values {
                    for value in row { try writer.append(value) }
                    try writer.endRow()
                }
            }
        }
        let seconds = (clock.now - started).seconds
        try await pool.execute("DROP TABLE \(identifier: schema).\(identifier: target)")
        return Result(table: "\(schema).\(table)", rows: copied, seconds: seconds)
    }
}

/// Why a COPY limit could not be measured.
public enum CopyLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The table does not exist (or has no columns).
    case noSuchTable(String)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .noSuchTable(let name): "cannot measure COPY into \(name): no such table"
        }
    }
}
