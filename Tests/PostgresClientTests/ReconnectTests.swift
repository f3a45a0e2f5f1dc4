import Foundation
import PostgresClient
import Testing
import TestSupport

@Suite("Reconnection after a server restart")
struct ReconnectTests {
    @Test func restartGivesRetriableErrorThenRecovers() async throws {
        try await TemporaryPostgres.with { server in
            let configuration = PostgresConfiguration(url: server.url, poolSize: 2, connectTimeoutSeconds: 5)
            let connection = try await PostgresConnection.connect(configuration: configuration, logger: TestDB.logger)
            let pool = PostgresPool(configuration: configuration, logger: TestDB.logger)
            try await connection.execute("CREATE TABLE survivors (n int)")
            try await pool.execute("INSERT INTO survivors VALUES (\(1))")
            let pidBefore = try await connection.backendPID()

            try await server.restart()

            // The first statement on the dead connection fails, retriably.
            let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
            #expect(error?.isRetriable == true)
            #expect(error?.code == .connectionLost)
            // The next use reconnects.
            let count: Int = try await connection.query("SELECT count(*) FROM survivors")[0].decode(at: 0)
            #expect(count == 1)
            #expect(try await connection.backendPID() != pidBefore)

            // Same through the pool: at most one retriable failure, then success.
            var failures = 0
            while true {
                do {
                    try await pool.execute("INSERT INTO survivors VALUES (\(2))")
                    break
                } catch let error as PostgresError {
                    #expect(error.isRetriable)
                    failures += 1
                    if failures > 2 { throw error }
                }
            }
            #expect(failures <= 1)
            await pool.shutdown()
            await connection.close()
        }
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
