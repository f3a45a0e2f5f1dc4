import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("Reconnection after a server restart")
struct ReconnectTests {
    /// A restart closes every session while it sits idle; the close waits in each socket. The
    /// next statement sees it before sending, and runs on a new session the first time, on a
    /// connection and through a pool alike.
    @Test func aSessionClosedWhileIdleIsReplacedBeforeTheNextStatement() async throws {
        try await TemporaryPostgres.with { server in
            let configuration = PostgresConfiguration(url: server.url, poolSize: 2, connectTimeoutSeconds: 5)
            let connection = try await PostgresConnection.connect(configuration: configuration, logger: TestDB.logger)
            let pool = PostgresPool(configuration: configuration, logger: TestDB.logger)
            try await connection.execute("CREATE TABLE survivors (n int)")
            try await pool.execute("INSERT INTO survivors VALUES (\(1))")
            let pidBefore = try await connection.backendPID()

            try await server.restart()

            let count: Int = try await connection.query("SELECT count(*) FROM survivors")[0].decode(at: 0)
            #expect(count == 1)
            #expect(try await connection.backendPID() != pidBefore)
            try await pool.execute("INSERT INTO survivors VALUES (\(2))")
            #expect(await pool.discardedSessions == 0)
            await pool.shutdown()
            await connection.close()
        }
    }

    /// A session lost in the middle of a transaction cannot be replaced: part of the work was at
    /// the server. The transaction fails retriably, and the next one runs on a new session.
    @Test func aSessionLostInsideATransactionFailsItRetriably() async throws {
        let connection = try await TestDB.connect()
        let other = try await TestDB.connect()
        let name = TestDB.uniqueName("lost")
        try await connection.execute("CREATE TABLE \(identifier: name) (n int)")
        let pid = try await connection.backendPID()
        let lost = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.execute("INSERT INTO \(identifier: name) VALUES (\(1))")
                try await TestDB.terminate(pid, using: other)
                try connection.execute("INSERT INTO \(identifier: name) VALUES (\(2))")
            }
        }
        #expect(lost?.isRetriable == true)
        try await connection.execute("INSERT INTO \(identifier: name) VALUES (\(3))")
        #expect(try await other.query("SELECT string_agg(n::text, ',') FROM \(identifier: name)")[0].decode(String.self, at: 0) == "3")
    }

    @Test func serverDownIsRetriableConnectionFailure() async throws {
        try await TemporaryPostgres.with { server in
            let configuration = PostgresConfiguration(url: server.url, connectTimeoutSeconds: 2)
            let connection = try await PostgresConnection.connect(configuration: configuration, logger: TestDB.logger)
            try await server.stop()
            let lost = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
            #expect(lost?.isRetriable == true)
            let failed = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
            #expect(failed?.code == .connectionFailed)
            #expect(failed?.isRetriable == true)
            try await server.startServer()
            #expect(try await connection.query("SELECT 2")[0].decode(Int.self, at: 0) == 2)
        }
    }
}
