import Foundation
import CLibPQ
import Logging

/// One PostgreSQL connection (a libpq `PGconn`), confined to this actor. The actor runs on its
/// own serial `DispatchQueue` (see `ConnectionExecutor`), so libpq's blocking calls never
/// occupy the cooperative thread pool and the `PGconn` is only ever touched from one thread.
///
/// The connection opens lazily and heals itself: a statement on a broken connection throws a
/// retriable ``PostgresError`` (`.connectionLost`), and the next use opens a fresh `PGconn`.
/// Methods are synchronous inside the actor, so transaction and COPY bodies (which run isolated
/// to it) call them without `await`.
public actor PostgresConnection {
    private let executor: ConnectionExecutor
    /// Runs this actor on its private queue.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// How this connection reaches the server.
    public nonisolated let configuration: PostgresConfiguration
    let logger: Logger
    /// The libpq connection, or nil before the first use and after `close()`.
    private var handle: OpaquePointer?
    /// True between BEGIN and COMMIT/ROLLBACK of ``transaction(isolation:_:)``.
    var inTransaction = false
    /// The statements prepared in the current session.
    private var prepared = PreparedStatements()
    /// The BEGIN of the open transaction while it waits to go out with the first statement.
    var pendingBegin: PostgresQuery?
    /// Statements waiting to go out with the next one (see ``executeDeferred(_:)``).
    var deferred: [DeferredStatement] = []
    /// Whether the open transaction has switched to generic plans (see
    /// ``PostgresQuery/genericPlan(_:)``); every transaction starts in the session's mode.
    var transactionUsesGenericPlans = false
    /// How many times this connection has sent statements and waited for the server's answer
    /// (one pipeline, one statement alone, one script, one PREPARE): the cost that batching
    /// exists to save, so tests can hold a batch path to its round trips.
    public internal(set) var roundTrips = 0
    /// How many of those round trips prepared a statement (once per statement and session).
    public private(set) var preparations = 0
    /// How many statements this connection has sent (BEGIN, COMMIT and `SET LOCAL` included):
    /// each costs the server a parse or bind and an execution, so tests can hold a path to them.
    public internal(set) var statementsSent = 0

    /// A connection that opens on first use (or on ``connect()``).
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        executor = ConnectionExecutor(label: "postgres.connection.\(configuration.applicationName)")
    }

    /// Opens a connection now, so connection errors surface here rather than at the first query.
    public static func connect(configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let connection = PostgresConnection(configuration: configuration, logger: logger)
        try await connection.connect()
        return connection
    }

    isolated deinit {
        if let handle { PQfinish(handle) }
    }

    /// True when a `PGconn` is open and libpq has not seen it break. (A server that went away
    /// while the connection sat idle is only noticed by the next statement.)
    public var isConnected: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// True when the session can be handed to another caller as it is: connected, or not yet
    /// opened, and outside any transaction (not left in a `BEGIN`, a failed transaction or COPY).
    var isCleanForReuse: Bool {
        guard let handle else { return true }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE && !inTransaction
    }

    /// The server's process id for this session, for `pg_terminate_backend` in tests and logs.
    public func backendPID() throws -> Int32 {
        PQbackendPID(try ensureConnected())
    }

    /// Opens the connection if it is not open or broken (replacing a broken `PGconn`).
    public func connect() throws {
        _ = try ensureConnected()
    }

    /// Whether the server closed this idle session: what waits in its socket (the server's
    /// FATAL message, then the end of the stream) is read without blocking. A socket with
    /// nothing to read is open; that costs one `poll`. At most four reads: the message, the end
    /// of the stream, and room for notices the server sent before them.
    private static func closedWhileIdle(_ conn: OpaquePointer) -> Bool {
        let socket = PQsocket(conn)
        guard socket >= 0 else { return true }
        for _ in 0..<4 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0 else { return false }
            if PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK { return true }
        }
        return false
    }

    /// Closes the connection; the next use opens a new one.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        inTransaction = false
        pendingBegin = nil
        deferred.removeAll()
        prepared.removeAll()
    }

    /// The open `PGconn`, opening or replacing it first when needed. A session with nothing of
    /// ours at the server (outside a transaction, or before its BEGIN went out) is first checked
    /// for a close the server sent while it sat idle (a restart, `pg_terminate_backend`, an idle
    /// timeout): one non-blocking read. Such a session is replaced at once, since nothing was in
    /// flight, instead of failing the statement that would have found out.
    func ensureConnected() throws -> OpaquePointer {
        if let handle {
            let ours = inTransaction && pendingBegin == nil
            if PQstatus(handle) == CONNECTION_OK && (ours || !Self.closedWhileIdle(handle)) { return handle }
            logger.warning("postgres connection broken, reconnecting", metadata: [
                "backend_pid": "\(PQbackendPID(handle))", "libpq_error": "\(String(cString: PQerrorMessage(handle)))",
            ])
            PQfinish(handle)
            self.handle = nil
            prepared.removeAll()
            // A transaction that has not reached the server yet (its BEGIN still pending) simply
            // starts on the new connection; one that had is gone with the old one.
            if pendingBegin == nil {
                inTransaction = false
                deferred.removeAll()
            }
        }
        let keywords = ["dbname", "connect_timeout", "application_name"]
        let values = [configuration.url, String(configuration.connectTimeoutSeconds), configuration.applicationName]
        let conn = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = Self.errorMessage(conn)
            PQfinish(conn)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
        // Session settings the decoders rely on: ISO timestamps in UTC, hex bytea, exact floats.
        try runScript("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET bytea_output = 'hex'; SET extra_float_digits = 3"
                      + (configuration.forceCustomPlans ? "; SET plan_cache_mode = force_custom_plan" : ""), on: conn)
        logger.debug("postgres connected", metadata: ["backend_pid": "\(PQbackendPID(conn))"])
        return conn
    }

    /// Runs one statement and returns its rows (empty for statements without a result set).
    /// A statement with parameters is prepared on its first run in this session and executed
    /// by name afterwards (see ``PreparedStatements``).
    /// Deferred statements (``executeDeferred(_:)``) go out in the same round trip, first.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresResult {
        try query.checkEncoded()
        queuePlanMode(for: query)
        return try runAfterDeferred(query)
    }

    /// Runs `query` on its own: one round trip.
    func runAlone(_ query: PostgresQuery) throws -> PostgresResult {
        let conn = try ensureConnected()
        let count = Int32(query.bindings.count)
        let name = try statementName(for: query, conn: conn)
        roundTrips += 1
        statementsSent += 1
        let result = Self.withParameters(query.bindings) { types, values, lengths, formats in
            if let name {
                PQexecPrepared(conn, name, count, values, lengths, formats, 0)
            } else {
                PQexecParams(conn, query.sql, count, types, values, lengths, formats, 0)
            }
        }
        return try consume(result, conn: conn, sql: query.sql)
    }

    /// The name `query` is prepared under in this session, preparing it first if needed; nil for
    /// a statement without parameters or when the session has prepared its limit.
    func statementName(for query: PostgresQuery, conn: OpaquePointer) throws -> String? {
        guard !query.bindings.isEmpty else { return nil }
        let key = PreparedStatements.Key(sql: query.sql, types: query.bindings.map(\.type.rawValue))
        if let name = prepared.name(for: key) { return name }
        guard let name = prepared.reserveName(for: key) else { return nil }
        roundTrips += 1
        preparations += 1
        _ = try consume(PQprepare(conn, name, query.sql, Int32(key.types.count), key.types), conn: conn, sql: query.sql)
        prepared.add(key, name: name)
        return name
    }

    /// Runs one statement and returns the number of rows it affected (0 if it reports none).
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try self.query(query).affectedRows ?? 0
    }

    /// Runs several `;`-separated statements in one round trip (simple query protocol, no
    /// parameters), e.g. a migration file. "Unsafe" because the text is SQL, not data.
    public func executeScript(unsafeSQL sql: String) throws {
        try flushDeferred()
        try runScript(sql, on: try ensureConnected())
    }

    /// `PQexec` of `sql` on `conn`, without sending deferred statements first.
    private func runScript(_ sql: String, on conn: OpaquePointer) throws {
        roundTrips += 1
        statementsSent += 1
        _ = try consume(PQexec(conn, sql), conn: conn, sql: sql)
    }

    /// Converts a `PGresult` into a ``PostgresResult`` or a ``PostgresError`` and frees it.
    func consume(_ result: OpaquePointer?, conn: OpaquePointer, sql: String?) throws -> PostgresResult {
        guard let result else {
            throw connectionError(conn, sql: sql, sqlState: nil, fallback: .protocol)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return Self.copyRows(result)
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return PostgresResult(storage: .init(columns: [], rowCount: 0, bytes: [], bounds: []),
                                  affectedRows: Self.affectedRows(result))
        default:
            throw resultError(result, conn: conn, sql: sql)
        }
    }

    /// The error a failed `PGresult` describes: a server error, or a lost connection when libpq
    /// reports the connection broken.
    func resultError(_ result: OpaquePointer, conn: OpaquePointer, sql: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let sqlState = field("C")
        if PQstatus(conn) != CONNECTION_OK || sqlState?.hasPrefix("08") == true {
            return connectionError(conn, sql: sql, sqlState: sqlState, fallback: .connectionLost)
        }
        guard let sqlState else {
            // The connection is fine but the result has no SQLSTATE: an unexpected result
            // status, not something a retry would fix.
            return connectionError(conn, sql: sql, sqlState: nil, fallback: .protocol)
        }
        let message = field("M") ?? String(cString: PQresultErrorMessage(result))
        return PostgresError(code: .server(sqlState: sqlState), message: message, detail: field("D"), query: sql)
    }

    /// A connection-level error from `PQerrorMessage`; `.connectionLost` if libpq marks the
    /// connection bad, else `fallback`.
    func connectionError(_ conn: OpaquePointer, sql: String?, sqlState: String?, fallback: PostgresError.Code) -> PostgresError {
        let code: PostgresError.Code = PQstatus(conn) == CONNECTION_OK ? fallback : .connectionLost
        if code == .connectionLost { inTransaction = false }
        return PostgresError(code: code, message: Self.errorMessage(conn), query: sql, sqlState: sqlState)
    }

    /// libpq's last error message for `conn`, trimmed.
    static func errorMessage(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `PQcmdTuples` as a number, nil when the command reports none.
    static func affectedRows(_ result: OpaquePointer) -> Int? {
        Int(String(cString: PQcmdTuples(result)))
    }

    /// Copies every cell of a tuples result into one buffer.
    static func copyRows(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [PostgresColumn] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PostgresColumn(name: String(cString: PQfname(result, Int32(column))),
                                          type: PostgresDataType(rawValue: PQftype(result, Int32(column)))))
        }
        var bytes: [UInt8] = []
        var bounds: [(start: Int, end: Int)] = []
        bounds.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    bounds.append((bytes.count, -1))
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                let start = bytes.count
                PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                    bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
                bounds.append((start, start + length))
            }
        }
        return PostgresResult(storage: .init(columns: columns, rowCount: rowCount, bytes: bytes, bounds: bounds),
                              affectedRows: affectedRows(result))
    }

    /// Calls `body` with the type, value, length and format arrays `PQexecParams` wants (lengths
    /// and formats only when a parameter is binary; libpq reads text up to its NUL).
    ///
    /// Text values need a NUL after them, so they are copied into one buffer: they are short
    /// (scalars, names). Binary values carry their length and are passed where they lie: they
    /// are a batch's arrays, up to megabytes, and copying them into a fresh buffer per statement
    /// was most of this function's time (in unpaced runs its share of scoring's samples fell
    /// from 1.2–3.5 % to 0.7 %).
    static func withParameters<R>(_ bindings: [PostgresBinding],
                                  _ body: (UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?,
                                           UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R) -> R {
        if bindings.isEmpty { return body(nil, nil, nil, nil) }
        var text: [UInt8] = []
        var textOffsets: [(index: Int, offset: Int)] = []
        for (index, binding) in bindings.enumerated() where !binding.isBinary {
            guard let bytes = binding.bytes else { continue }
            textOffsets.append((index, text.count))
            text.append(contentsOf: bytes)
            text.append(0)
        }
        let types = bindings.map { Oid($0.type.rawValue) }
        let binary = bindings.contains(where: \.isBinary)
        let lengths = binary ? bindings.map { Int32($0.bytes?.count ?? 0) } : []
        let formats = binary ? bindings.map { Int32($0.isBinary ? 1 : 0) } : []
        var values = [UnsafePointer<CChar>?](repeating: nil, count: bindings.count)
        return text.withUnsafeBytes { textBytes in
            for (index, offset) in textOffsets {
                values[index] = (textBytes.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
            }
            return withBinaryValues(bindings[...], in: &values) { values in
                binary ? body(types, values, lengths, formats) : body(types, values, nil, nil)
            }
        }
    }

    /// Points `values` at the bytes of each binary binding in `bindings` (indices as in the
    /// whole list), one nested scope per binding so every pointer stays valid, then calls `body`.
    private static func withBinaryValues<R>(_ bindings: ArraySlice<PostgresBinding>, in values: inout [UnsafePointer<CChar>?],
                                            _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        guard let index = bindings.firstIndex(where: { $0.isBinary && $0.bytes != nil }), let bytes = bindings[index].bytes else {
            return values.withUnsafeBufferPointer { body($0.baseAddress!) }
        }
        return bytes.withUnsafeBytes { raw in
            // An empty value is not NULL: it needs an address too.
            values[index] = (raw.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)).assumingMemoryBound(to: CChar.self)
            return withBinaryValues(bindings[(index + 1)...], in: &values, body)
        }
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { UnsafePointer(strdup($0)) }
    defer { duplicates.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return (duplicates + [nil]).withUnsafeBufferPointer { body($0.baseAddress!) }
}
