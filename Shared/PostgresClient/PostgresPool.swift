import Logging

/// A bounded pool of ``PostgresConnection``s. Callers lease a connection for the duration of
/// a closure; when all are in use, callers wait and are served in arrival order. Connections
/// open lazily and replace a broken `PGconn` on their next use, so after a server restart the
/// first statement fails with a retriable error and later ones succeed.
public actor PostgresPool {
    /// The configuration every connection uses; `poolSize` bounds the pool.
    public nonisolated let configuration: PostgresConfiguration
    private let logger: Logger
    private var idle: [PostgresConnection] = []
    private var created = 0
    private var waiters: [CheckedContinuation<PostgresConnection, Error>] = []
    private var isShutDown = false
    /// Live sessions returned inside a transaction, closed and reopened on their next lease (a
    /// new session prepares its statements again). Steady at zero unless something is wrong;
    /// sessions the server or the network ended are closed too, but not counted here.
    public private(set) var discardedSessions = 0

    /// A pool; no connection is opened until the first lease.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Leases a connection for `body` and returns it to the pool afterwards (also on error).
    nonisolated(nonsending)
    public func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a leased connection: commit on return, rollback on throw.
    nonisolated(nonsending)
    public func withTransaction<T: Sendable>(
        isolation: PostgresIsolationLevel? = nil,
        _ body: (isolated PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await connection.transaction(isolation: isolation, body)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs one statement on a leased connection and returns its rows.
    @discardableResult
    nonisolated(nonsending)
    public func query(_ query: PostgresQuery) async throws -> PostgresResult {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs one statement on a leased connection and returns the rows it affected.
    @discardableResult
    nonisolated(nonsending)
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// Callers currently waiting for a connection (for metrics and tests).
    public var waitingCount: Int { waiters.count }

    /// Connections currently leased out.
    public var leasedCount: Int { created - idle.count }

    /// Closes idle connections and fails waiters; leased connections close when returned.
    public func shutdown() async {
        isShutDown = true
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting {
            waiter.resume(throwing: PostgresError(code: .poolClosed, message: "the pool was shut down"))
        }
        for connection in idle { await connection.close() }
        idle.removeAll()
    }

    /// An idle connection, a new one while below `poolSize`, or the next one returned.
    private func lease() async throws -> PostgresConnection {
        guard !isShutDown else { throw PostgresError(code: .poolClosed, message: "the pool was shut down") }
        if let connection = idle.popLast() { return connection }
        if created < configuration.poolSize {
            created += 1
            logger.debug("postgres pool opening connection", metadata: ["count": "\(created)"])
            return PostgresConnection(configuration: configuration, logger: logger)
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    /// Hands a returned connection to the longest waiter, or keeps it idle.
    private func release(_ connection: PostgresConnection) async {
        if !(await connection.isCleanForReuse) {
            if await connection.isConnected {
                // Left inside a transaction or COPY (a raw BEGIN, a failed ROLLBACK): the next caller
                // must not inherit that session; it reconnects on first use.
                logger.warning("postgres pool discarding a session returned inside a transaction")
                discardedSessions += 1
            } else {
                // The server or the network ended it; the statement that found out reported it.
                logger.debug("postgres pool closing a lost session; it reconnects on its next lease")
            }
            await connection.close()
        }
        if isShutDown {
            await connection.close()
        } else if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: connection)
        } else {
            idle.append(connection)
        }
    }
}
