import PostgresClient
import Testing
import TestSupport

/// Statements deferred to the next round trip (`executeDeferred`, libpq pipeline mode): same
/// order, same transaction, errors where the caller can see them, and a clean connection after.
@Suite("Deferred statements")
struct DeferredTests {
    /// A fresh table `name (n int primary key)`.
    private func table(_ connection: PostgresConnection) async throws -> String {
        let name = TestDB.uniqueName("deferred")
        try await connection.execute("CREATE TABLE \(identifier: name) (n int PRIMARY KEY)")
        return name
    }

    @Test func deferredStatementsRunInOrderBeforeTheNextQuery() async throws {
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        let seen: [Int] = try await connection.transaction { connection in
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
            try connection.executeDeferred("UPDATE \(identifier: name) SET n = n + \(10)")
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(2))")
            return try connection.query("SELECT n FROM \(identifier: name) ORDER BY n").map { try $0.decode(Int.self, at: 0) }
        }
        #expect(seen == [2, 11], "the insert, then the update, then the second insert, all before the select")
        let other = try await TestDB.connect()
        #expect(try await other.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 2)
    }

    /// `queries` sends several statements in one round trip: each one's rows come back in
    /// order, after the deferred statements, each statement in its own plan mode.
    @Test func queriesAnswerInOrderAfterTheDeferredStatements() async throws {
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        let (rows, generic, custom, inserted) = try await connection.transaction { connection in
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1)), (\(2))")
            let results = try connection.queries([
                "SELECT n FROM \(identifier: name) ORDER BY n",
                .genericPlan("SELECT current_setting(\("plan_cache_mode"))"),
                "SELECT current_setting(\("plan_cache_mode"))",
                "INSERT INTO \(identifier: name) VALUES (\(3)) RETURNING n",
            ])
            return (try results[0].map { try $0.decode(Int.self, at: 0) }, try results[1][0].decode(String.self, at: 0),
                    try results[2][0].decode(String.self, at: 0), try results[3].map { try $0.decode(Int.self, at: 0) })
        }
        #expect(rows == [1, 2])
        #expect(generic == "force_generic_plan" && custom == "force_custom_plan")
        #expect(inserted == [3])
        // Outside a transaction each runs on its own, with the same answers.
        let outside = try await connection.queries(["SELECT count(*)::int FROM \(identifier: name)", "SELECT \(5)::int"])
        #expect(try outside.map { try $0[0].decode(Int.self, at: 0) } == [3, 5])
    }

    /// An error among `queries` is thrown, and the transaction with its deferred statements rolls back.
    @Test func anErrorAmongQueriesRollsTheTransactionBack() async throws {
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
                _ = try connection.queries(["SELECT \(1)::int", "SELECT 1 / \(0)", "INSERT INTO \(identifier: name) VALUES (\(2))"])
            }
        }
        #expect(error?.code == .server(sqlState: "22012"))
        #expect(try await connection.query("SELECT count(*)::int FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 0)
        #expect(try await connection.queries(["SELECT \(7)::int", "SELECT \(8)::int"]).count == 2)  // the connection works on
    }

    @Test func statementsDeferredToTheEndGoOutWithCommit() async throws {
        let connection = try await TestDB.connect()
        let other = try await TestDB.connect()
        let name = try await table(connection)
        try await connection.transaction { connection in
            _ = try connection.query("SELECT 1")
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(7))")
        }
        #expect(try await other.query("SELECT n FROM \(identifier: name)").map { try $0.decode(Int.self, at: 0) } == [7])
    }

    @Test func anErrorOfADeferredStatementRollsTheTransactionBack() async throws {
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        try await connection.execute("INSERT INTO \(identifier: name) VALUES (\(1))")
        // Fails at the next query: a duplicate key, reported with the deferred statement's SQL.
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(2))")
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
                _ = try connection.query("SELECT count(*) FROM \(identifier: name)")
            }
        }
        #expect(error?.code == .server(sqlState: "23505"))
        #expect(error?.query?.contains("INSERT INTO") == true)
        // Fails at COMMIT.
        let atCommit = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(3))")
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
            }
        }
        #expect(atCommit?.code == .server(sqlState: "23505"))
        // Nothing of either transaction stayed, and the connection works on.
        let rows = try await connection.query("SELECT n FROM \(identifier: name) ORDER BY n").map { try $0.decode(Int.self, at: 0) }
        #expect(rows == [1])
        try await connection.transaction { connection in
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(4))")
        }
        #expect(try await connection.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 2)
    }

    @Test func aBodyThatThrowsBeforeSendingLeavesNothingBehind() async throws {
        struct Stop: Error {}
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        await #expect(throws: Stop.self) {
            try await connection.transaction { connection in
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
                throw Stop()
            }
        }
        try await connection.transaction { _ in }  // an empty transaction commits nothing
        try await connection.transaction { connection in
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(2))")
        }
        #expect(try await connection.query("SELECT n FROM \(identifier: name)").map { try $0.decode(Int.self, at: 0) } == [2])
    }

    @Test func outsideATransactionItRunsAtOnce() async throws {
        let connection = try await TestDB.connect()
        let other = try await TestDB.connect()
        let name = try await table(connection)
        try await connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(5))")
        #expect(try await other.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 1)
    }

    @Test func aTransactionWhoseBeginIsPendingStartsOnANewConnection() async throws {
        let connection = try await TestDB.connect()
        let other = try await TestDB.connect()
        let name = try await table(connection)
        let pid = try await connection.backendPID()
        try await TestDB.terminate(pid, using: other)
        // Nothing of the next transaction has reached a server yet: the ended session is
        // replaced first, its BEGIN goes to the new one together with the insert and the COMMIT,
        // and it succeeds the first time.
        try await connection.transaction { connection in
            try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(1))")
        }
        #expect(try await connection.backendPID() != pid)
        #expect(try await other.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 1)
    }

    /// `queryDeferred` keeps a deferred statement's rows (an insert's `RETURNING`) for after
    /// the commit: empty while the statement waits, filled when it went out with COMMIT, in the
    /// insert's order; outside a transaction it runs at once. A failed pipeline fills nothing.
    @Test func deferredRowsArriveWithTheCommit() async throws {
        let connection = try await TestDB.connect()
        let name = try await table(connection)
        let rows = try await connection.transaction { connection -> DeferredRows in
            let rows = try connection.queryDeferred("INSERT INTO \(identifier: name) SELECT unnest(\([7, 3, 5])::int[]) RETURNING n")
            #expect(rows.result == nil, "still waiting for the commit")
            return rows
        }
        #expect(try rows.result?.map { try $0.decode(Int.self, at: 0) } == [7, 3, 5])

        let alone = try await connection.queryDeferred("INSERT INTO \(identifier: name) VALUES (\(9)) RETURNING n * 2")
        #expect(try alone.result?.first?.decode(Int.self, at: 0) == 18, "outside a transaction: at once")

        var failed: DeferredRows?
        await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                failed = try connection.queryDeferred("INSERT INTO \(identifier: name) VALUES (\(1)) RETURNING n")
                try connection.executeDeferred("INSERT INTO \(identifier: name) VALUES (\(7))")  // duplicate key at COMMIT's round trip
            }
        }
        #expect(failed != nil && failed?.result == nil, "no rows from a pipeline that failed")
        #expect(try await connection.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 4)
    }
}
