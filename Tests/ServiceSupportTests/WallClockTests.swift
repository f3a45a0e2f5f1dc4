import Foundation
import Testing
@testable import ServiceSupport

@Suite struct WallClockTests {
    @Test func manualClockAdvances() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = ManualWallClock(start)
        clock.advance(by: 11 * 86400)
        #expect(clock.now() == start.addingTimeInterval(950_400))
    }

    @Test func sharedOffsetClockFollowsTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let clock = SharedOffsetClock(file: file, refresh: .milliseconds(10))
        #expect(abs(clock.now().timeIntervalSinceNow) < 5)
        try SharedOffsetClock.advance(file, by: 86400)
        try SharedOffsetClock.advance(file, by: 10 * 86400)
        #expect(SharedOffsetClock.readOffset(file) == 11 * 86400)
        // The clock re-reads the file in the background: within a few refreshes it shows the offset.
        let deadline = Date().addingTimeInterval(5)
        while abs(clock.now().timeIntervalSinceNow - 11 * 86400) >= 5 && Date() < deadline { usleep(5_000) }
        #expect(abs(clock.now().timeIntervalSinceNow - 11 * 86400) < 5)
    }

    @Test func environmentChoosesTheClock() {
        #expect(SharedOffsetClock.fromEnvironment(EnvironmentReader([:])) is SystemWallClock)
        #expect(SharedOffsetClock.fromEnvironment(EnvironmentReader(["CREDIT_DEV_CLOCK_FILE": "/tmp/x"])) is SharedOffsetClock)
    }
}
