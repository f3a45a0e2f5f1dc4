import Logging
import PostgresClient
import TestSupport

/// Shared set-up for the PostgresClient tests: configuration from the harness and unique names.
enum TestDB {
    /// A logger that only reports warnings, to keep test output readable.
    static let logger: Logger = {
        var logger = Logger(label: "postgres-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Configuration for the shared test server (`CREDIT_TEST_DATABASE_URL`).
    static func configuration(poolSize: Int = 4) throws -> PostgresConfiguration {
        PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: poolSize, applicationName: "postgres-tests")
    }

    /// An open connection to the shared test server.
    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: configuration(), logger: logger)
    }

    /// A unique lower-case identifier safe to use unquoted (`prefix_<pid>_<random>`).
    static func uniqueName(_ prefix: String) -> String {
        TestEnvironment.uniqueName(prefix).replacingOccurrences(of: "-", with: "_")
    }
    /// Ends the session of backend `pid` from `other`, and waits until its process is gone (its
    /// close is then in the ended session's socket).
    static func terminate(_ pid: Int32, using other: PostgresConnection) async throws {
        _ = try await other.query("SELECT pg_terminate_backend(\(Int(pid))::int)")
        let deadline = ContinuousClock.now + .seconds(10)
        while try await other.query("SELECT count(*)::int FROM pg_stat_activity WHERE pid = \(Int(pid))::int")[0].decode(Int.self, at: 0) > 0 {
            guard ContinuousClock.now < deadline else { throw PostgresError(code: .protocol, message: "backend \(pid) did not end") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
