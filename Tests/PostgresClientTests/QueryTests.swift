import Foundation
import PostgresClient
import Testing

@Suite("Queries and transactions")
struct QueryTests {
    /// libpq sends parameters NUL-terminated, so "a\0b" would silently arrive as "a": refuse it.
    @Test func nulCharacterIsRefusedNotTruncated() async throws {
        let connection = try await TestDB.connect()
        await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT \("before\u{0}after")::text")
        }
        await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT \(["ok", "bad\u{0}"])::text[]")
        }
        // The connection is still usable.
        #expect(try await connection.query("SELECT \("fine")::text")[0].decode(String.self, at: 0) == "fine")
    }

    /// A session handed back inside a transaction (a raw BEGIN) must not reach the next caller.
    @Test func poolDiscardsASessionLeftInATransaction() async throws {
        let pool = PostgresPool(configuration: try TestDB.configuration(poolSize: 1), logger: TestDB.logger)
        try await pool.withConnection { connection in
            _ = try await connection.execute("BEGIN")
            _ = try await connection.execute("CREATE TEMP TABLE left_uncommitted (x int)")
        }
        // Visible only from inside that still-open transaction.
        let inherited = try await pool.withConnection { connection in
            try await connection.query("SELECT count(*)::int FROM pg_class WHERE relname = 'left_uncommitted'")[0].decode(Int.self, at: 0)
        }
        #expect(inherited == 0)
        await pool.shutdown()
    }

    @Test func identifiersAreQuotedWithInnerQuotesDoubled() async throws {
        #expect(PostgresQuery.quoteIdentifier("ingest") == "\"ingest\"")
        #expect(PostgresQuery.quoteIdentifier("my\"schema\"") == "\"my\"\"schema\"\"\"")
        let connection = try await TestDB.connect()
        let name = "odd\"name \(TestDB.uniqueName("q"))"
        try await connection.execute("CREATE TABLE \(identifier: name) (n int)")
        try await connection.execute("INSERT INTO \(identifier: name) VALUES (\(3))")
        #expect(try await connection.query("SELECT n FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 3)
        try await connection.execute("DROP TABLE \(identifier: name)")
    }

    @Test func injectionStringStaysData() async throws {
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("inject")
        try await connection.execute("CREATE TABLE \(identifier: table) (name text)")
        let evil = "'); DROP TABLE \(table); --"
        try await connection.execute("INSERT INTO \(identifier: table) (name) VALUES (\(evil))")
        let rows = try await connection.query("SELECT name FROM \(identifier: table) WHERE name = \(evil)")
        #expect(rows.count == 1)
        #expect(try rows[0].decode(String.self, at: 0) == evil)
        // The table still exists and the value went in as a parameter, not as SQL.
        let count: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        #expect(count == 1)
        let query: PostgresQuery = "SELECT \(evil), \(1)"
        #expect(query.sql == "SELECT $1, $2")
        #expect(query.bindings.count == 2)
    }

    @Test func rawSQLWithExplicitBindings() async throws {
        let connection = try await TestDB.connect()
        var bindings = PostgresBindings()
        try bindings.append("x")
        try bindings.append(41)
        let row = try await connection.query(PostgresQuery(sql: "SELECT $1 || 'y', $2 + 1", bindings: bindings))[0]
        #expect(try row.decode(String.self, at: 0) == "xy")
        #expect(try row.decode(Int.self, at: 1) == 42)
    }

    @Test func serverErrorCarriesSQLStateMessageAndQuery() async throws {
        let connection = try await TestDB.connect()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT * FROM no_such_table_at_all")
        }
        #expect(error?.code == .server(sqlState: "42P01"))
        #expect(error?.sqlState == "42P01")
        #expect(error?.isRetriable == false)
        #expect(error?.query == "SELECT * FROM no_such_table_at_all")
        #expect(error?.description.contains("no_such_table_at_all") == true)
        // The connection is still usable after a statement error.
        #expect(try await connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
    }

    @Test func retriableClassification() {
        #expect(PostgresError(code: .server(sqlState: "40001"), message: "").isRetriable)
        #expect(PostgresError(code: .server(sqlState: "40P01"), message: "").isRetriable)
        #expect(PostgresError(code: .server(sqlState: "57P01"), message: "").isRetriable)
        #expect(PostgresError(code: .connectionLost, message: "").isRetriable)
        #expect(PostgresError(code: .connectionFailed, message: "").isRetriable)
        #expect(!PostgresError(code: .server(sqlState: "23505"), message: "").isRetriable)
        #expect(!PostgresError(code: .decoding, message: "").isRetriable)
    }

    @Test func throwingTransactionBodyRollsBack() async throws {
        struct Boom: Error {}
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("tx")
        try await connection.execute("CREATE TABLE \(identifier: table) (n int)")
        await #expect(throws: Boom.self) {
            try await connection.transaction { tx in
                try tx.execute("INSERT INTO \(identifier: table) VALUES (\(1))")
                throw Boom()
            }
        }
        let afterRollback: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        #expect(afterRollback == 0)
        let inserted = try await connection.transaction(isolation: .serializable) { tx in
            try tx.execute("INSERT INTO \(identifier: table) VALUES (\(1)), (\(2))")
        }
        #expect(inserted == 2)
        let afterCommit: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        #expect(afterCommit == 2)
    }

    @Test func failedStatementInTransactionRollsBackAndConnectionRecovers() async throws {
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("txerr")
        try await connection.execute("CREATE TABLE \(identifier: table) (n int PRIMARY KEY)")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { tx in
                try tx.execute("INSERT INTO \(identifier: table) VALUES (1)")
                try tx.execute("INSERT INTO \(identifier: table) VALUES (1)")
            }
        }
        #expect(error?.sqlState == "23505")
        let count: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        #expect(count == 0)
    }
}
