/// Transaction isolation levels for ``PostgresConnection/transaction(isolation:_:)``.
public enum PostgresIsolationLevel: String, Sendable {
    /// PostgreSQL's default.
    case readCommitted = "READ COMMITTED"
    /// One snapshot for the whole transaction.
    case repeatableRead = "REPEATABLE READ"
    /// Full serializability; be ready to retry on SQLSTATE 40001 (`isRetriable`).
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws (the error
    /// is rethrown). `body` runs isolated to this connection, so it calls `query`/`execute`/`copy`
    /// without `await`. Use the connection exclusively (e.g. leased from a ``PostgresPool``)
    /// while the transaction is open.
    nonisolated(nonsending)
    public func transaction<T: Sendable>(
        isolation: PostgresIsolationLevel? = nil,
        _ body: (isolated PostgresConnection) async throws -> T
    ) async throws -> T {
        try await begin(isolation)
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollbackAfterFailure()
            throw error
        }
        try await commit()
        return value
    }

    /// Starts the transaction. The BEGIN goes out with the first statement (see
    /// ``executeDeferred(_:)``), so it costs no round trip of its own.
    private func begin(_ isolation: PostgresIsolationLevel?) throws {
        guard !inTransaction else {
            throw PostgresError(code: .protocol, message: "transaction() called inside an open transaction")
        }
        let begin = isolation.map { "BEGIN ISOLATION LEVEL \($0.rawValue)" } ?? "BEGIN"
        pendingBegin = PostgresQuery(unsafeSQL: begin)
        inTransaction = true
        transactionUsesGenericPlans = false
    }

    /// Commits (with the deferred statements, in one round trip), or rolls back and rethrows
    /// when that fails. A transaction that sent nothing has nothing to commit.
    private func commit() throws {
        if pendingBegin != nil && deferred.isEmpty {
            pendingBegin = nil
            inTransaction = false
            return
        }
        do {
            // Not `execute`: it would switch a transaction in generic mode back first, and
            // `SET LOCAL` ends with the transaction anyway.
            _ = try runAfterDeferred("COMMIT")
            inTransaction = false
        } catch {
            rollbackAfterFailure()
            throw error
        }
    }

    /// Best-effort ROLLBACK; a connection that broke has already lost the transaction, and a
    /// transaction whose BEGIN never left has nothing to roll back.
    private func rollbackAfterFailure() {
        defer { inTransaction = false }
        let sent = pendingBegin == nil
        pendingBegin = nil
        deferred.removeAll()
        guard sent, isConnected else { return }
        do {
            // Alone, without a switch back from generic plans: in a failed transaction the server
            // refuses every statement but ROLLBACK, and a refused `SET LOCAL` ahead of it in the
            // pipeline skipped the ROLLBACK. The session stayed in the failed transaction: its
            // next BEGIN failed with 25P02, and a pool discarded and reopened it.
            _ = try runAfterDeferred("ROLLBACK")
        } catch {
            logger.warning("postgres rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
