import CLibPQ
import Synchronization

extension PostgresConnection {
    /// Runs `query` inside the open transaction, together with the next statement that needs an
    /// answer (or with COMMIT), in one round trip (libpq pipeline mode). For statements whose
    /// result nobody reads: the outbox insert, the offsets, a log row. A round trip takes about
    /// 90 µs on a small machine (pgbench: 11,000 `SELECT 1`/s on one connection), and a
    /// consumer batch with its publishing used to make about 16 of them.
    ///
    /// An error of a deferred statement is thrown by the statement that sends it (with the
    /// deferred statement's SQL), and the transaction then rolls back as for any error. Outside a
    /// transaction the statement runs at once: a pipeline would make an implicit transaction of
    /// statements that were meant to commit separately.
    public func executeDeferred(_ query: PostgresQuery) throws {
        try enqueueDeferred(query, rows: nil)
    }

    /// Like ``executeDeferred(_:)``, for a statement whose rows are wanted later (e.g. the
    /// positions an insert's `RETURNING` assigned): they land in the returned box when the
    /// statement has gone out, at the latest with COMMIT. Outside a transaction the statement
    /// runs at once and the box is filled on return.
    public func queryDeferred(_ query: PostgresQuery) throws -> DeferredRows {
        let rows = DeferredRows()
        try enqueueDeferred(query, rows: rows)
        return rows
    }

    /// Queues `query` (its rows to go into `rows`) in the open transaction; outside one, runs it.
    private func enqueueDeferred(_ query: PostgresQuery, rows: DeferredRows?) throws {
        try query.checkEncoded()
        guard inTransaction else {
            let result = try self.query(query)
            rows?.fill(result)
            return
        }
        queuePlanMode(for: query)
        deferred.append(DeferredStatement(query, rows: rows))
    }

    /// Inside a transaction, queues the settings `query` wants when the transaction is in the
    /// other mode: for a ``PostgresQuery/genericPlan(_:)`` statement, generic plans made without
    /// sequential scans; for any other, the session's mode back. They go out in the same round
    /// trip as `query` and end with the transaction; outside one, every statement runs in the
    /// session's mode.
    func queuePlanMode(for query: PostgresQuery) {
        guard inTransaction, query.usesGenericPlan != transactionUsesGenericPlans else { return }
        transactionUsesGenericPlans = query.usesGenericPlan
        if query.usesGenericPlan {
            deferred.append(DeferredStatement("SET LOCAL plan_cache_mode = force_generic_plan"))
            deferred.append(DeferredStatement("SET LOCAL enable_seqscan = off"))
        } else {
            // The session's own mode: what `connect` set, or else the server's (DEFAULT).
            deferred.append(DeferredStatement(configuration.forceCustomPlans ? "SET LOCAL plan_cache_mode = force_custom_plan"
                                                                             : "SET LOCAL plan_cache_mode TO DEFAULT"))
            deferred.append(DeferredStatement("SET LOCAL enable_seqscan TO DEFAULT"))
        }
    }

    /// Sends the pending BEGIN and the deferred statements (if any) followed by `query` in one
    /// pipeline and returns `query`'s result; with nothing waiting, `query` runs alone.
    func runAfterDeferred(_ query: PostgresQuery) throws -> PostgresResult {
        try reconnectIfBroken()
        let waiting = takeWaiting()
        guard !waiting.isEmpty else { return try runAlone(query) }
        return try runPipeline(waiting + [DeferredStatement(query)]).last ?? PostgresResult.empty
    }

    /// Runs `queries` and returns each one's rows, in order. Inside a transaction they go out in
    /// one round trip, after the pending BEGIN and the deferred statements: for reads that do
    /// not depend on each other (a consumer batch's lookups), each round trip saved is a wait
    /// for the server and two thread wake-ups on a busy machine. Outside a transaction each
    /// runs on its own, as with ``query(_:)`` (a pipeline would make one implicit transaction of
    /// them). The first error is thrown; the server skips the statements after it.
    public func queries(_ queries: [PostgresQuery]) throws -> [PostgresResult] {
        for query in queries { try query.checkEncoded() }
        guard inTransaction, queries.count > 1 else { return try queries.map { try self.query($0) } }
        try reconnectIfBroken()
        var pipeline = takeWaiting()
        var positions: [Int] = []
        for query in queries {
            queuePlanMode(for: query)
            pipeline += deferred
            deferred.removeAll()
            positions.append(pipeline.count)
            pipeline.append(DeferredStatement(query))
        }
        let results = try runPipeline(pipeline)
        return positions.map { results[$0] }
    }

    /// Sends what waits now (before COPY or a script, which cannot join a pipeline).
    func flushDeferred() throws {
        try reconnectIfBroken()
        let waiting = takeWaiting()
        guard !waiting.isEmpty else { return }
        _ = try runPipeline(waiting)
    }

    /// Opens the connection if needed. A reconnect keeps a transaction whose BEGIN is still
    /// pending (nothing reached the server); a transaction that had reached the old connection
    /// is gone, and running the statement on the new one would run it outside any transaction.
    private func reconnectIfBroken() throws {
        let openOnServer = inTransaction && pendingBegin == nil
        _ = try ensureConnected()
        if openOnServer && !inTransaction {
            throw PostgresError(code: .connectionLost, message: "the connection broke during the transaction; it was rolled back")
        }
    }

    /// The pending BEGIN and the deferred statements, in order; both are cleared.
    private func takeWaiting() -> [DeferredStatement] {
        var waiting = deferred
        if let begin = pendingBegin { waiting.insert(DeferredStatement(begin), at: 0) }
        pendingBegin = nil
        deferred.removeAll()
        return waiting
    }

    /// Runs `queries` in one pipeline ending in one sync: one round trip. Returns each query's
    /// result, and fills the boxes of those that asked for their rows; throws the first error
    /// (later statements are skipped by the server, and no box is filled).
    private func runPipeline(_ statements: [DeferredStatement]) throws -> [PostgresResult] {
        let queries = statements.map(\.query)
        let conn = try ensureConnected()
        // Prepared outside the pipeline (once per session and statement).
        let names = try queries.map { try statementName(for: $0, conn: conn) }
        // libpq refuses only when the session is busy with something else: a fresh connection
        // and a retry are the way out, not a permanent error that would dead-letter a message.
        guard PQenterPipelineMode(conn) == 1 else { throw abandonPipeline(conn, sql: queries.first?.sql) }
        for (query, name) in zip(queries, names) {
            let count = Int32(query.bindings.count)
            let sent = Self.withParameters(query.bindings) { types, values, lengths, formats in
                if let name {
                    PQsendQueryPrepared(conn, name, count, values, lengths, formats, 0)
                } else {
                    PQsendQueryParams(conn, query.sql, count, types, values, lengths, formats, 0)
                }
            }
            guard sent == 1 else { throw abandonPipeline(conn, sql: query.sql) }
        }
        guard PQpipelineSync(conn) == 1 else { throw abandonPipeline(conn, sql: queries.last?.sql) }
        roundTrips += 1
        statementsSent += queries.count
        var failure: PostgresError?
        var results = Array(repeating: PostgresResult.empty, count: queries.count)
        for (index, query) in queries.enumerated() {
            // Each statement's results end with a null result.
            while let result = PQgetResult(conn) {
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED || failure != nil {
                    PQclear(result)
                    continue
                }
                do {
                    results[index] = try consume(result, conn: conn, sql: query.sql)
                } catch let error as PostgresError {
                    failure = error
                }
            }
            if PQstatus(conn) != CONNECTION_OK { throw abandonPipeline(conn, sql: query.sql) }
        }
        guard let sync = PQgetResult(conn) else { throw abandonPipeline(conn, sql: queries.last?.sql) }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(conn) == 1 else { throw abandonPipeline(conn, sql: queries.last?.sql) }
        if let failure { throw failure }
        for (statement, result) in zip(statements, results) { statement.rows?.fill(result) }
        return results
    }

    /// A pipeline that cannot be finished leaves the session in an unknown state: the
    /// connection is closed (the next use opens a fresh one) and the error is retriable.
    private func abandonPipeline(_ conn: OpaquePointer, sql: String?) -> PostgresError {
        let error = PostgresError(code: .connectionLost, message: "pipeline failed: \(Self.errorMessage(conn))", query: sql)
        close()
        return error
    }
}

/// A statement waiting in an open transaction to go out with the next one that needs an answer.
struct DeferredStatement {
    /// The statement.
    var query: PostgresQuery
    /// Where its rows go, for a ``PostgresConnection/queryDeferred(_:)``.
    var rows: DeferredRows?

    init(_ query: PostgresQuery, rows: DeferredRows? = nil) {
        self.query = query
        self.rows = rows
    }
}

/// The rows of a deferred statement (``PostgresConnection/queryDeferred(_:)``), there once the
/// statement has gone out: read them after the transaction committed. Sendable, so a
/// transaction body can hand the box out of its connection.
public final class DeferredRows: Sendable {
    private let storage = Mutex<PostgresResult?>(nil)

    init() {}

    /// The statement's rows; nil while it has not gone out (or when its pipeline failed).
    public var result: PostgresResult? { storage.withLock { $0 } }

    func fill(_ result: PostgresResult) { storage.withLock { $0 = result } }
}
