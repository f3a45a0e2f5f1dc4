import Foundation
import PostgresClient
import Testing

@Suite("Migrations")
struct MigrationTests {
    let migrations = [
        PostgresMigration(version: 1, name: "0001_create_events.sql", sql: """
            CREATE TABLE events (id bigserial PRIMARY KEY, agency text NOT NULL, event_id text NOT NULL,
                                 UNIQUE (agency, event_id));
            CREATE INDEX events_agency ON events (agency);
            """),
        PostgresMigration(version: 2, name: "0002_add_subject.sql", sql: "ALTER TABLE events ADD COLUMN subject text;"),
        PostgresMigration(version: 3, name: "0003_outbox.sql", sql: "CREATE TABLE outbox (id bigserial PRIMARY KEY, payload jsonb);"),
    ]

    func schemaShape(_ pool: PostgresPool, _ schema: String) async throws -> [String] {
        try await pool.query("""
            SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns
            WHERE table_schema = \(schema) ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
    }

    func recorded(_ pool: PostgresPool, _ schema: String) async throws -> [Int] {
        try await pool.query("SELECT version FROM \(identifier: schema).schema_migrations ORDER BY version")
            .map { try $0.decode(Int.self, at: 0) }
    }

    @Test func appliedTwiceIsIdempotent() async throws {
        let pool = PostgresPool(configuration: try TestDB.configuration(), logger: TestDB.logger)
        let schema = TestDB.uniqueName("mig")
        let first = try await pool.migrate(schema: schema, migrations: migrations)
        #expect(first.map(\.version) == [1, 2, 3])
        let shape = try await schemaShape(pool, schema)
        let second = try await pool.migrate(schema: schema, migrations: migrations)
        #expect(second.isEmpty)
        #expect(try await schemaShape(pool, schema) == shape)
        #expect(try await recorded(pool, schema) == [1, 2, 3])
        #expect(shape.contains("events.subject:text"))
        await pool.shutdown()
    }

    @Test func concurrentStartersApplyEachFileOnce() async throws {
        let configuration = try TestDB.configuration()
        let schema = TestDB.uniqueName("migc")
        let migrations = self.migrations
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await PostgresConnection.connect(configuration: configuration, logger: TestDB.logger)
                    return try await connection.migrate(schema: schema, migrations: migrations).map(\.version)
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(applied.sorted() == [1, 2, 3])
        let pool = PostgresPool(configuration: configuration, logger: TestDB.logger)
        #expect(try await recorded(pool, schema) == [1, 2, 3])
        // Same schema as a sequential run.
        let sequential = TestDB.uniqueName("migs")
        try await pool.migrate(schema: sequential, migrations: migrations)
        let expected = try await schemaShape(pool, sequential)
        #expect(try await schemaShape(pool, schema) == expected)
        await pool.shutdown()
    }

    @Test func changedAppliedMigrationIsRefused() async throws {
        let pool = PostgresPool(configuration: try TestDB.configuration(), logger: TestDB.logger)
        let schema = TestDB.uniqueName("migx")
        try await pool.migrate(schema: schema, migrations: migrations)
        var changed = migrations
        changed[1].sql = "ALTER TABLE events ADD COLUMN subject varchar(64);"
        changed.append(PostgresMigration(version: 4, name: "0004_more.sql", sql: "CREATE TABLE more (n int);"))
        let error = await #expect(throws: PostgresError.self) { try await pool.migrate(schema: schema, migrations: changed) }
        #expect(error?.code == .migration)
        #expect(error?.message.contains("0002_add_subject.sql") == true)
        #expect(try await recorded(pool, schema) == [1, 2, 3])
        await pool.shutdown()
    }

    @Test func loadsNumberedFilesFromDirectoryAndRollsBackAFailingOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestDB.uniqueName("migdir"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "CREATE TABLE a (n int);".write(to: directory.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "CREATE TABLE b (n int); SELECT 1/0;".write(to: directory.appendingPathComponent("0010_b.sql"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let loaded = try PostgresMigration.load(directory: directory)
        #expect(loaded.map(\.name) == ["0001_a.sql", "0010_b.sql"])
        #expect(loaded.map(\.version) == [1, 10])

        let pool = PostgresPool(configuration: try TestDB.configuration(), logger: TestDB.logger)
        let schema = TestDB.uniqueName("migd")
        let error = await #expect(throws: PostgresError.self) { try await pool.migrate(schema: schema, migrations: loaded) }
        #expect(error?.message.contains("0010_b.sql") == true)
        #expect(error?.sqlState == "22012")
        #expect(try await recorded(pool, schema) == [1])
        let tables = try await pool.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = \(schema) AND table_name = 'b'")
        #expect(try tables[0].decode(Int.self, at: 0) == 0)
        await pool.shutdown()
    }
}
