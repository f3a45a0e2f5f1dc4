import CreditCtlKit
import Foundation
import Logging
import PostgresClient
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `BackendPriority` against the test cluster (on this machine, its server processes run as
/// `postgres`; the tests run as root, which may lower them).
@Suite struct BackendPriorityTests {
    /// The nice value of process `pid`.
    static func nice(of pid: Int32) -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid))
    }

    /// The backend of a pool named `name`, and the pool (kept open: the backend lives with it).
    static func backend(named name: String) async throws -> (pid: Int32, pool: PostgresPool) {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1,
                                                                     applicationName: name), logger: Logger(label: "test"))
        let pid = try await pool.query("SELECT pg_backend_pid()").first?.decode(Int32.self, at: 0)
        return (try #require(pid), pool)
    }

    @Test func lowersTheNamedBackendsOnlyAndOnce() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let (offPath, offPool) = try await Self.backend(named: "sanctions-\(suffix)")
        let (onPath, onPool) = try await Self.backend(named: "scoring-\(suffix)")
        #expect(Self.nice(of: offPath) == 0)

        let admin = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1),
                                 logger: Logger(label: "test"))
        let priority = BackendPriority(nices: ["sanctions-\(suffix)": 10, "notification-\(suffix)": 0])
        #expect(priority.nices == ["sanctions-\(suffix)": 10], "a nice of 0 changes nothing and is left out")
        #expect(try await priority.apply(on: admin) == 1)
        #expect(Self.nice(of: offPath) == 10)
        #expect(Self.nice(of: onPath) == 0, "a backend of another service keeps its priority")
        #expect(try await priority.apply(on: admin) == 0, "a backend already lowered is left alone")
        await admin.shutdown()
        await offPool.shutdown()
        await onPool.shutdown()
    }

    @Test func keepsLoweringBackendsThatOpenLaterUntilCancelled() async throws {
        let name = "notification-\(UUID().uuidString.prefix(8).lowercased())"
        let admin = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1),
                                 logger: Logger(label: "test"))
        let priority = BackendPriority(nices: [name: 7])
        let keeping = Task { await priority.keepApplied(on: admin, every: .milliseconds(50), logger: Logger(label: "test")) }
        try await Task.sleep(for: .milliseconds(100))
        let (pid, pool) = try await Self.backend(named: name)
        let deadline = ContinuousClock.now + .seconds(10)
        while Self.nice(of: pid) != 7 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(Self.nice(of: pid) == 7)
        keeping.cancel()
        await keeping.value
        await pool.shutdown()
        await admin.shutdown()
    }
}
