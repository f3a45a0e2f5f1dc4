import Foundation
import PostgresClient
import Testing

@Suite("COPY FROM STDIN")
struct CopyTests {
    @Test func copiesHundredThousandRows() async throws {
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("copy")
        try await connection.execute("""
            CREATE TABLE \(identifier: table) (id bigint, agency text, at timestamptz, attributes jsonb, note text)
            """)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let copied = try await connection.copy(into: table, columns: ["id", "agency", "at", "attributes", "note"]) { writer in
            for id in 0..<100_000 {
                try writer.append(id)
                writer.append("agency-\(id % 7)")
                try writer.append(start.addingTimeInterval(Double(id)))
                try writer.append(PostgresRawJSON("{\"n\": \(id)}"))
                try writer.append(id % 10 == 0 ? nil : "note \(id)")
                try writer.endRow()
            }
        }
        #expect(copied == 100_000)
        let row = try await connection.query("""
            SELECT count(*), count(note), sum(id), max(at), sum((attributes->>'n')::bigint) FROM \(identifier: table)
            """)[0]
        #expect(try row.decode(Int.self, at: 0) == 100_000)
        #expect(try row.decode(Int.self, at: 1) == 90_000)
        #expect(try row.decode(String.self, at: 2) == "4999950000")
        #expect(try row.decode(Date.self, at: 3) == start.addingTimeInterval(99_999))
        #expect(try row.decode(String.self, at: 4) == "4999950000")
    }

    @Test func copyEscapesSpecialCharacters() async throws {
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("copyesc")
        try await connection.execute("CREATE TABLE \(identifier: table) (n int, s text, b bytea)")
        let values = ["tab\there", "line\nbreak", "cr\rhere", "back\\slash", "\\N", "", "é🐕", "\\.", "end\\"]
        try await connection.copy(into: table, columns: ["n", "s", "b"]) { writer in
            for (index, value) in values.enumerated() {
                try writer.writeRow(index, value, Data(value.utf8))
            }
            try writer.writeRow(values.count, String?.none, Data?.none)
        }
        let rows = try await connection.query("SELECT s, b FROM \(identifier: table) ORDER BY n")
        #expect(rows.count == values.count + 1)
        for (index, value) in values.enumerated() {
            #expect(try rows[index].decode(String.self, at: 0) == value)
            #expect(try rows[index].decode(Data.self, at: 1) == Data(value.utf8))
        }
        #expect(try rows[values.count].decode(String?.self, at: 0) == nil)
        #expect(try rows[values.count].decode(Data?.self, at: 1) == nil)
    }

    @Test func throwingCopyBodyWritesNothing() async throws {
        struct Stop: Error {}
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("copyabort")
        try await connection.execute("CREATE TABLE \(identifier: table) (n int)")
        await #expect(throws: Stop.self) {
            try await connection.copy(into: table, columns: ["n"], chunkSize: 16) { writer in
                for n in 0..<100 { try writer.writeRow(n) }
                throw Stop()
            }
        }
        let count: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        #expect(count == 0)
        // And a bad row is a server error, after which the connection still works.
        await #expect(throws: PostgresError.self) {
            try await connection.copy(into: table, columns: ["n"]) { writer in try writer.writeRow("not a number") }
        }
        #expect(try await connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
    }
    /// A COPY that fails inside a transaction (a bad row, a duplicate key, a body that throws),
    /// after a statement that put the transaction in generic-plan mode: the whole transaction is
    /// rolled back, and the session goes back to the pool clean, ready for the next one.
    @Test func aCopyFailingInsideATransactionRollsItBackAndTheSessionStaysUsable() async throws {
        struct Stop: Error {}
        let pool = PostgresPool(configuration: try TestDB.configuration(poolSize: 1), logger: TestDB.logger)
        let table = TestDB.uniqueName("copytx")
        try await pool.execute("CREATE TABLE \(identifier: table) (n int PRIMARY KEY)")
        try await pool.execute("INSERT INTO \(identifier: table) VALUES (1)")
        let insert: PostgresQuery = .genericPlan("INSERT INTO \(identifier: table) SELECT unnest(\([10, 11])::int[])")
        let badRow = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                try connection.execute(insert)
                try connection.copy(into: table, columns: ["n"]) { writer in try writer.writeRow("not a number") }
            }
        }
        #expect(badRow?.sqlState == "22P02")
        let duplicate = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                try connection.executeDeferred(insert)
                try connection.copy(into: table, columns: ["n"]) { writer in
                    for n in 2...5 { try writer.writeRow(n) }
                    try writer.writeRow(1)
                }
            }
        }
        #expect(duplicate?.sqlState == "23505")
        await #expect(throws: Stop.self) {
            try await pool.withTransaction { connection in
                try connection.execute(insert)
                try connection.copy(into: table, columns: ["n"], chunkSize: 16) { writer in
                    for n in 20..<100 { try writer.writeRow(n) }
                    throw Stop()
                }
            }
        }
        #expect(await pool.discardedSessions == 0, "each failed transaction was rolled back, not left open")
        let rows = try await pool.withTransaction { connection in
            try connection.copy(into: table, columns: ["n"]) { writer in try writer.writeRow(2) }
            return try connection.query("SELECT string_agg(n::text, ',' ORDER BY n) FROM \(identifier: table)")[0].decode(String.self, at: 0)
        }
        #expect(rows == "1,2", "nothing of the failed transactions stayed")
        await pool.shutdown()
    }
}
