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
}
