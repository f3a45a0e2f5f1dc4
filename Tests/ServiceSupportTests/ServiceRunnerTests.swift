import Hummingbird
import Logging
import ServiceLifecycle
import Testing
@testable import ServiceSupport

@Suite struct ServiceRunnerTests {
    struct Failing: Service {
        struct Broken: Error {}
        func run() async throws {
            try await Task.sleep(for: .milliseconds(100))
            throw Broken()
        }
    }

    /// A part that fails brings the whole group down (and the HTTP server with it), so the
    /// process exits and its supervisor restarts it rather than limping on half-alive.
    @Test func failingPartStopsTheGroup() async throws {
        let router = Router()
        await #expect(throws: Failing.Broken.self) {
            try await ServiceRunner.run(name: "test", http: .init(port: 0), router: router,
                                        services: [Failing()], logger: Logger(label: "test"))
        }
    }
}
