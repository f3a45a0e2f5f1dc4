import Foundation

/// Where the tests find the real PostgreSQL server and dev Kafka broker that `scripts/test`
/// started. A missing variable is a test failure with instructions, never a silent skip.
public enum TestEnvironment {
    /// libpq connection URL of the private test cluster (`CREDIT_TEST_DATABASE_URL`).
    public static func databaseURL() throws -> String { try require("CREDIT_TEST_DATABASE_URL") }

    /// Bootstrap servers of the shared dev broker (`CREDIT_TEST_KAFKA_BOOTSTRAP`).
    public static func kafkaBootstrap() throws -> String { try require("CREDIT_TEST_KAFKA_BOOTSTRAP") }

    /// Base URL of the dev broker's control endpoint (`CREDIT_TEST_BROKER_CONTROL`), used by
    /// fault-injection tests to get a private cluster and take brokers down.
    public static func brokerControl() throws -> String { try require("CREDIT_TEST_BROKER_CONTROL") }

    /// Directory of the built executables (`CREDIT_BIN_DIR`), for tests that run a service as
    /// its own process (e.g. to SIGKILL it mid-stream).
    public static func binDirectory() throws -> String { try require("CREDIT_BIN_DIR") }

    /// Reads a required variable or throws an error that says how to run the tests.
    public static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingTestEnvironment(variable: name)
        }
        return value
    }

    /// A name unique to this test process, for topics, groups and schemas that must not collide
    /// with other tests running in parallel.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Thrown when a test is run without the infrastructure that `scripts/test` provides.
public struct MissingTestEnvironment: Error, CustomStringConvertible {
    /// The environment variable that was not set.
    public let variable: String
    public var description: String {
        "\(variable) is not set: run the tests with `scripts/test` (it starts PostgreSQL and the dev broker)"
    }
}
