import CreditCtlKit
import Synchronization
import Testing

/// The throughput run's publication waits for the pipeline: `BacklogWindow.wait` returns once
/// enough is absorbed, and fails (instead of hanging) when nothing moves.
@Suite struct BacklogWindowTests {
    @Test func waitReturnsOnceTheTargetIsAbsorbed() async throws {
        let counter = Atomic<Int>(0)
        let window = BacklogWindow(events: 10) { counter.add(7, ordering: .relaxed).newValue }
        let absorbed = try await window.wait(until: 30)
        #expect(absorbed >= 30 && absorbed < 40, "stops at the first count at or past the target: \(absorbed)")
    }

    @Test func waitFailsWhenThePipelineStopsAbsorbing() async throws {
        let window = BacklogWindow(events: 10, stallTimeout: .milliseconds(200)) { 3 }
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: BacklogWindowError.stalled(absorbed: 3, waitingFor: 20)) {
            _ = try await window.wait(until: 20)
        }
        // Its own 200 ms, not the default 90 s. The bound is loose on purpose: with the suites
        // running in parallel on two cores, this wait once took 5.01 s in CI (then, another
        // suite's `waitUntilExit` held one of the pool's two threads through a child's shutdown).
        #expect(clock.now - started < .seconds(30))
    }
}
