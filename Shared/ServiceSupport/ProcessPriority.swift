import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The CPU priority a service runs at, from `SERVICE_NICE` (0...19, default 0: unchanged).
///
/// For services off the latency-critical path: an event's score change goes through ingest,
/// scoring, PostgreSQL and the broker, while sanctions and notification act later (a sanction
/// waits out a 10-day appeal window anyway). On a machine they share, lowering the latter lets
/// the score path have the CPU first. The embedded stack runs sanctions and notification at 10
/// (`SERVICE_NICE=0 creditctl bench` turns it off): in paired runs at a paced 2,800 events/s on
/// 2 cores, publication → `score-change` took p50 73 and 67 ms, p99 229 and 166 ms, against
/// p50 113 and 89 ms, p99 250 and 241 ms with every service at 0.
public struct ProcessPriority: Sendable, Equatable {
    /// The nice value to run at (higher is lower priority); 0 leaves the process as it is.
    public var nice: Int

    /// A priority of `nice`.
    public init(nice: Int = 0) { self.nice = nice }

    /// Reads `SERVICE_NICE`; a value outside 0...19 is an error naming the variable (a negative
    /// one would need privileges to raise the priority, which a service should not ask for).
    public static func fromEnvironment(_ env: EnvironmentReader) throws(ConfigurationError) -> ProcessPriority {
        ProcessPriority(nice: try env.int("SERVICE_NICE", default: 0, in: 0...19))
    }

    /// Lowers every thread of the process to `nice` and returns how many it changed. Nothing
    /// already at `nice` or lower priority is changed (raising it back would need privileges).
    /// Call it again from time to time (see ``keepApplied(every:logger:)``).
    ///
    /// Linux keeps a nice value per thread, and a new thread inherits its creator's, but
    /// libdispatch sets the value of each worker thread it starts from the thread's QoS (0 for
    /// the default): 8 of sanctions' 18 threads were back at 0 a few seconds after start-up.
    ///
    /// Thread values weigh threads against others of the same scheduling group: with
    /// autogroup scheduling (on here) that is the session, and the stack's services share the
    /// launcher's, so lowering sanctions' and notification's threads gives their CPU to ingest,
    /// scoring and the broker. In containers each service is its own CPU cgroup, and the
    /// container's CPU weight is the knob instead.
    @discardableResult
    public func apply() throws(ProcessPriorityError) -> Int {
        guard nice > 0 else { return 0 }
        var changed = 0
        // Threads can start while the list is walked: walk it again until a pass changes none.
        for _ in 0..<3 {
            var changedThisPass = 0
            for thread in try Self.threads() where try Self.lower(thread, to: Int32(nice)) {
                changedThisPass += 1
            }
            changed += changedThisPass
            if changedThisPass == 0 { break }
        }
        return changed
    }

    /// Applies the priority now and then every `interval` on a thread of its own, for as long as
    /// the process runs, so that threads libdispatch starts later are lowered too. A failure now
    /// is thrown; a later one is logged and ends the re-application (the process keeps the
    /// priority its threads reached).
    @discardableResult
    public func keepApplied(every interval: Duration = .seconds(1), logger: Logger) throws(ProcessPriorityError) -> Int {
        let changed = try apply()
        guard nice > 0 else { return changed }
        let priority = self
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: seconds)
                do {
                    try priority.apply()
                } catch {
                    logger.warning("CPU priority no longer re-applied to new threads",
                                   metadata: ["nice": "\(priority.nice)", "error": "\(error)"])
                    return
                }
            }
        }
        thread.name = "service-nice"
        thread.start()
        return changed
    }

    /// Lowers thread or process `id` to `nice` unless it already runs there or lower (raising it
    /// back would need privileges); returns whether it changed. An id that has ended is left
    /// alone (false); a refusal (`EPERM` without privileges over it) is thrown.
    public static func lower(_ id: Int32, to nice: Int32) throws(ProcessPriorityError) -> Bool {
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(id))
        if current == -1 && errno != 0 { return false }  // it has ended
        guard current < nice else { return false }
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(id), nice) != 0 {
            if errno == ESRCH { return false }
            throw ProcessPriorityError(thread: id, errno: errno)
        }
        return true
    }

    /// The ids of this process's threads (`/proc/self/task`).
    static func threads() throws(ProcessPriorityError) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else {
            throw ProcessPriorityError(thread: nil, errno: ENOENT)
        }
        return entries.compactMap { Int32($0) }
    }
}

/// The priority of a thread could not be changed.
public struct ProcessPriorityError: Error, Sendable, CustomStringConvertible {
    /// The thread, or nil when the thread list itself could not be read.
    public let thread: Int32?
    /// The `errno` of the failed call.
    public let errno: Int32

    /// What failed, with the system's words for `errno`.
    public var description: String {
        let reason = String(cString: strerror(errno))
        guard let thread else { return "cannot list this process's threads in /proc/self/task (SERVICE_NICE): \(reason)" }
        return "cannot lower the CPU priority of thread \(thread) (SERVICE_NICE): \(reason)"
    }
}
