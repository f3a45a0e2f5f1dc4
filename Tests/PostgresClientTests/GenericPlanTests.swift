import PostgresClient
import Testing
import TestSupport

/// Statements marked `.genericPlan` are planned once per session inside a transaction; every
/// other statement keeps the session's mode (custom plans by default), within the same
/// transaction and after it.
@Suite("Generic plans for marked statements")
struct GenericPlanTests {
    /// The plan mode a statement sees (a parameter makes it a prepared statement).
    private static func mode(_ connection: isolated PostgresConnection, generic: Bool) throws -> String {
        let query: PostgresQuery = "SELECT current_setting(\("plan_cache_mode"))"
        return try connection.query(generic ? .genericPlan(query) : query)[0].decode(String.self, at: 0)
    }

    @Test func aMarkedStatementSwitchesOnlyItselfAndOnlyInsideTheTransaction() async throws {
        let connection = try await TestDB.connect()
        let modes = try await connection.transaction { connection in
            [try Self.mode(connection, generic: false), try Self.mode(connection, generic: true),
             try Self.mode(connection, generic: true), try Self.mode(connection, generic: false)]
        }
        #expect(modes == ["force_custom_plan", "force_generic_plan", "force_generic_plan", "force_custom_plan"])
        // Outside a transaction, and in the next one, the session's mode holds.
        let after = try await connection.transaction { try Self.mode($0, generic: false) }
        #expect(after == "force_custom_plan")
        let outside = try await connection.query(.genericPlan("SELECT current_setting(\("plan_cache_mode"))"))
        #expect(try outside[0].decode(String.self, at: 0) == "force_custom_plan")
    }

    @Test func aMarkedInsertIsPlannedOnceAndAnUnmarkedOneEveryRun() async throws {
        let connection = try await TestDB.connect()
        let name = TestDB.uniqueName("generic")
        try await connection.execute("CREATE TABLE \(identifier: name) (n int PRIMARY KEY)")
        for n in 1...4 {
            let generic: PostgresQuery =
                .genericPlan("INSERT INTO \(identifier: name) SELECT unnest(\([n, n + 1000])::int[]) ON CONFLICT DO NOTHING")
            let custom: PostgresQuery = "INSERT INTO \(identifier: name) SELECT unnest(\([n + 2000])::int[]) ON CONFLICT (n) DO NOTHING"

            // Deferred and run directly, as the stores do.
            try await connection.transaction { connection in
                try connection.executeDeferred(generic)
                try connection.execute(custom)
            }
        }
        let plans = try await connection.query("""
            SELECT generic_plans, custom_plans FROM pg_prepared_statements
            WHERE statement LIKE \("%" + name + "%") ORDER BY statement LIKE '%(n)%'
            """).map { [try $0.decode(Int.self, at: 0), try $0.decode(Int.self, at: 1)] }
        #expect(plans == [[4, 0], [0, 4]], "marked: four runs from one generic plan; unmarked: planned each run")
        #expect(try await connection.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 12)
    }

    @Test func aRolledBackTransactionLeavesTheNextInTheSessionsMode() async throws {
        let connection = try await TestDB.connect()
        await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                _ = try Self.mode(connection, generic: true)
                _ = try connection.query("SELECT 1 / \(0)")
            }
        }
        let modes = try await connection.transaction { connection in
            [try Self.mode(connection, generic: false), try Self.mode(connection, generic: true)]
        }
        #expect(modes == ["force_custom_plan", "force_generic_plan"])
    }

    /// A transaction whose failing statement was a marked one: the ROLLBACK goes out alone. A
    /// switch back to custom plans ahead of it was refused by the failed transaction and skipped
    /// the ROLLBACK, so the session's next transaction failed at BEGIN (SQLSTATE 25P02).
    @Test func aFailedMarkedStatementRollsBackAndTheNextTransactionWorks() async throws {
        let connection = try await TestDB.connect()
        let name = TestDB.uniqueName("rollback")
        try await connection.execute("CREATE TABLE \(identifier: name) (n int PRIMARY KEY)")
        try await connection.execute("INSERT INTO \(identifier: name) VALUES (1)")
        let failure = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.execute(.genericPlan("INSERT INTO \(identifier: name) SELECT unnest(\([2, 1])::int[])"))
            }
        }
        #expect(failure?.sqlState == "23505")
        let next = try await connection.transaction { connection in
            try connection.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0)
        }
        #expect(next == 1, "the failed insert of 2 was rolled back")
    }

    /// COMMIT ends a transaction in generic mode without switching back first: `SET LOCAL` ends
    /// with the transaction. BEGIN, the two settings, the insert and COMMIT: five statements in
    /// one round trip (seven before).
    @Test func commitGoesOutWithoutSwitchingBack() async throws {
        let connection = try await TestDB.connect()
        let name = TestDB.uniqueName("commit")
        try await connection.execute("CREATE TABLE \(identifier: name) (n int PRIMARY KEY)")
        let (statements, roundTrips) = (await connection.statementsSent, await connection.roundTrips)
        try await connection.transaction { connection in
            try connection.executeDeferred(.genericPlan("INSERT INTO \(identifier: name) SELECT unnest(\([1, 2])::int[])"))
        }
        #expect(await connection.statementsSent - statements == 5)
        #expect(await connection.roundTrips - roundTrips == 2, "one PREPARE, then one pipeline")
        #expect(try await connection.query("SELECT count(*) FROM \(identifier: name)")[0].decode(Int.self, at: 0) == 2)
        let after = try await connection.transaction { try Self.mode($0, generic: false) }
        #expect(after == "force_custom_plan")
    }

    @Test func aMarkedLookupProbesTheIndexOfATinyTableWhereAPlannedOneScansIt() async throws {
        let connection = try await TestDB.connect()
        let name = TestDB.uniqueName("probe")
        try await connection.execute("CREATE TABLE \(identifier: name) (k text PRIMARY KEY, v int)")
        try await connection.execute("INSERT INTO \(identifier: name) SELECT 'k' || i, i FROM generate_series(1, 3) i")
        try await connection.execute("ANALYZE \(identifier: name)")
        let keys = ["k1", "k9"]
        let marked: PostgresQuery = .genericPlan("""
            SELECT t.v FROM unnest(\(keys)::text[]) AS x(k)
            CROSS JOIN LATERAL (SELECT v FROM \(identifier: name) t WHERE t.k = x.k OFFSET 0) t
            """)
        let plain: PostgresQuery = """
            SELECT t.v FROM unnest(\(keys)::text[]) AS x(k)
            CROSS JOIN LATERAL (SELECT v FROM \(identifier: name) t WHERE t.k = x.k OFFSET 0) t /* planned */
            """
        let found = try await connection.transaction { connection in
            [try connection.query(marked).map { try $0.decode(Int.self, at: 0) },
             try connection.query(plain).map { try $0.decode(Int.self, at: 0) }]
        }
        #expect(found == [[1], [1]])
        let names = try await connection.query("""
            SELECT name, statement LIKE '%planned%' FROM pg_prepared_statements
            WHERE statement LIKE \("%" + name + "%") AND statement LIKE '%LATERAL%'
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(Bool.self, at: 1)) }
        let markedName = try #require(names.first { !$0.1 }?.0)
        let plainName = try #require(names.first { $0.1 }?.0)
        // Each explained the way it runs: the marked one in its mode (its cached generic plan, or
        // one made again the same way if an invalidation dropped it), the other planned for the run.
        let plans = try await connection.transaction { connection in
            let generic = try connection.query(.genericPlan("EXPLAIN EXECUTE \(identifier: markedName)('{k1,k9}')"))
            let custom = try connection.query("EXPLAIN EXECUTE \(identifier: plainName)('{k1,k9}')")
            return try [generic, custom].map { try $0.map { try $0.decode(String.self, at: 0) }.joined(separator: "\n") }
        }
        #expect(plans[0].contains("Index Scan") && !plans[0].contains("Seq Scan"), "\(plans[0])")
        #expect(plans[1].contains("Seq Scan"), "the control: planned for three rows, it scans (\(plans[1]))")
    }
}

