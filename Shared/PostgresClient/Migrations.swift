import Foundation

/// One numbered migration: a SQL script applied once to a schema.
public struct PostgresMigration: Sendable, Hashable {
    /// The number that orders migrations (the `0001` of `0001_create_events.sql`).
    public var version: Int
    /// The file name (or any label), recorded and used in error messages.
    public var name: String
    /// The SQL script; several statements are fine. Runs with `search_path` set to the schema.
    public var sql: String

    /// A migration given in memory.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_description.sql` file in `directory`, ordered by number. Other files
    /// are ignored; two files with the same number are an error.
    public static func load(directory: URL) throws -> [PostgresMigration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var migrations: [PostgresMigration] = []
        for file in files where file.hasSuffix(".sql") {
            guard let version = Int(file.prefix(while: \.isNumber)), file.first?.isNumber == true else { continue }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(PostgresMigration(version: version, name: file, sql: sql))
        }
        return try ordered(migrations)
    }

    /// A migration that sets the statistics target of every column of `tables` (of the schema
    /// being migrated) to `target`, so that `ANALYZE` samples 300 × `target` rows of them: for
    /// tables that only grow and are read by key, where autovacuum's frequent analyzes of a full
    /// sample cost more than rough statistics lose. `tables` are the code's own names (lowercase
    /// letters, digits and `_`), never input.
    public static func statisticsTarget(_ target: Int, of tables: [String], version: Int, name: String) -> PostgresMigration {
        precondition((1...10_000).contains(target), "a statistics target is 1...10000")
        precondition(!tables.isEmpty && tables.allSatisfy { table in
            !table.isEmpty && table.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (48...57).contains($0) || (97...122).contains($0) }
        }, "plain lowercase table names")
        let names = tables.map { "'\($0)'" }.joined(separator: ", ")
        return PostgresMigration(version: version, name: name, sql: """
            DO $$
            DECLARE c record;
            BEGIN
                FOR c IN SELECT attrelid::regclass AS t, attname FROM pg_attribute
                         WHERE attrelid = ANY (ARRAY[\(names)]::regclass[]) AND attnum > 0 AND NOT attisdropped
                LOOP
                    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS \(target)', c.t, c.attname);
                END LOOP;
            END $$;
            """)
    }

    /// Sorts by version and rejects duplicates.
    static func ordered(_ migrations: [PostgresMigration]) throws -> [PostgresMigration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresError(code: .migration,
                                message: "migrations \(previous.name) and \(next.name) have the same number \(next.version)")
        }
        return sorted
    }
}

extension PostgresConnection {
    /// Brings `schema` up to date: creates it if missing, then applies each migration not yet
    /// recorded in `<schema>.schema_migrations`, in order, each in its own transaction, all under
    /// a PostgreSQL advisory lock so concurrent starters apply each file exactly once. An
    /// applied migration whose text changed is refused with an error naming it.
    /// Returns the migrations applied by this call.
    @discardableResult
    public func migrate(schema: String, migrations: [PostgresMigration]) throws -> [PostgresMigration] {
        let migrations = try PostgresMigration.ordered(migrations)
        let lockKey = Self.advisoryLockKey("socialcredit.migrations." + schema)
        try execute("SELECT pg_advisory_lock(\(lockKey))")
        defer {
            if isConnected { _ = try? execute("SELECT pg_advisory_unlock(\(lockKey))") }
        }
        let table = "\(PostgresQuery.quoteIdentifier(schema)).schema_migrations"
        try executeScript(unsafeSQL: """
            CREATE SCHEMA IF NOT EXISTS \(PostgresQuery.quoteIdentifier(schema));
            CREATE TABLE IF NOT EXISTS \(table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try query("SELECT version, name, checksum FROM \(unsafeRaw: table)") {
            applied[try row.decode(at: 0)] = (try row.decode(at: 1), try row.decode(at: 2))
        }
        var appliedNow: [PostgresMigration] = []
        for migration in migrations {
            let checksum: String = try query("SELECT md5(\(migration.sql))")[0].decode(at: 0)
            if let existing = applied[migration.version] {
                guard existing.checksum == checksum else {
                    throw PostgresError(code: .migration, message: """
                        migration \(migration.name) of schema \(schema) was changed after it was applied \
                        (applied as \(existing.name), checksum \(existing.checksum), now \(checksum))
                        """)
                }
                continue
            }
            try apply(migration, schema: schema, table: table, checksum: checksum)
            logger.info("postgres migration applied", metadata: ["schema": "\(schema)", "migration": "\(migration.name)"])
            appliedNow.append(migration)
        }
        return appliedNow
    }

    /// Runs one migration and records it, in one transaction.
    private func apply(_ migration: PostgresMigration, schema: String, table: String, checksum: String) throws {
        try execute("BEGIN")
        do {
            try execute("SELECT set_config('search_path', \(PostgresQuery.quoteIdentifier(schema)), true)")
            try executeScript(unsafeSQL: migration.sql)
            try execute("""
                INSERT INTO \(unsafeRaw: table) (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(checksum))
                """)
            try execute("COMMIT")
        } catch var error as PostgresError {
            if isConnected { _ = try? execute("ROLLBACK") }
            error.message = "migration \(migration.name) of schema \(schema) failed: \(error.message)"
            throw error
        }
    }

    /// A stable 64-bit key (FNV-1a) for `pg_advisory_lock` derived from a name.
    static func advisoryLockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}

extension PostgresPool {
    /// Brings `schema` up to date on a leased connection; see
    /// ``PostgresConnection/migrate(schema:migrations:)``.
    @discardableResult
    nonisolated(nonsending)
    public func migrate(schema: String, migrations: [PostgresMigration]) async throws -> [PostgresMigration] {
        try await withConnection { try await $0.migrate(schema: schema, migrations: migrations) }
    }
}
