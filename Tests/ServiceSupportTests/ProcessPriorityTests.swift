import Foundation
import ServiceSupport
import Testing

@Suite struct ProcessPriorityTests {
    @Test func serviceNiceIsReadWithinRange() throws {
        #expect(try ProcessPriority.fromEnvironment(EnvironmentReader([:])) == ProcessPriority(nice: 0))
        #expect(try ProcessPriority.fromEnvironment(EnvironmentReader(["SERVICE_NICE": "10"])) == ProcessPriority(nice: 10))
        for bad in ["-5", "20", "low"] {
            #expect { try ProcessPriority.fromEnvironment(EnvironmentReader(["SERVICE_NICE": bad])) } throws: {
                ($0 as? ConfigurationError)?.variable == "SERVICE_NICE"
            }
        }
    }

    /// Nice 0 changes nothing (the test process keeps its priority); the threads of a service
    /// started with `SERVICE_NICE` are checked end to end in `ShutdownTests`.
    @Test func zeroLeavesTheProcessAlone() throws {
        #expect(try ProcessPriority(nice: 0).apply() == 0)
    }

    /// `lower` leaves an id that does not exist alone, and one already at or below the value.
    @Test func lowerChangesOnlyWhatRunsHigher() throws {
        #expect(try ProcessPriority.lower(Int32.max, to: 10) == false, "no such process")
        #expect(try ProcessPriority.lower(getpid(), to: 0) == false, "already at 0")
    }
}
