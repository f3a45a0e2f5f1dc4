import PostgresClient

/// The distinct statistics targets of the columns of `schema`.`table` (-1: the server's
/// default), for the tests of the migrations that make `ANALYZE` sample fewer rows of a table.
public func statisticsTargets(of table: String, in schema: String, on pool: PostgresPool) async throws -> [Int] {
    try await pool.query("""
        SELECT DISTINCT attstattarget FROM pg_attribute
        WHERE attrelid = (quote_ident(\(schema)) || '.' || quote_ident(\(table)))::regclass AND attnum > 0 AND NOT attisdropped
        """).map { try $0.decode(Int.self, at: 0) }
}
