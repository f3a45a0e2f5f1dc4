import Foundation
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

    /// What ``apply()`` changed.
    public struct Applied: Sendable, Equatable {
        /// Threads whose nice value was raised to the target.
        public var threads = 0
        /// Whether the process's scheduling group (its session's autogroup) was lowered too.
        public var sessionGroup = false

        /// A result of `threads` lowered threads and the group lowered or not.
        public init(threads: Int = 0, sessionGroup: Bool = false) {
            self.threads = threads
            self.sessionGroup = sessionGroup
        }
    }

    /// Lowers the process to `nice`: every thread, and its session's autogroup when it leads
    /// its own session. Nothing already at `nice` or lower priority is changed (raising it back
    /// would need privileges). Call it again from time to time (see ``keepApplied(every:)``).
    ///
    /// Linux keeps a nice value per thread, and a new thread inherits its creator's, but
    /// libdispatch sets the value of each worker thread it starts from the thread's QoS (0 for
    /// the default): half of a service's threads were back at 0 a few seconds after start-up.
    /// With autogroup scheduling (on here: `/proc/sys/kernel/sched_autogroup_enabled`) thread
    /// values only weigh threads of one session against each other; the stack's services share
    /// the launcher's session, so lowering sanctions' and notification's threads gives their CPU
    /// to ingest, scoring and the broker. A process that leads its own session is its own
    /// group, and the group's value (`/proc/self/autogroup`) is lowered too.
    @discardableResult
    public func apply() throws(ProcessPriorityError) -> Applied {
        var applied = Applied()
        guard nice > 0 else { return applied }
        if getsid(0) == getpid(), let current = Self.autogroupNice(), current < nice {
            guard let file = fopen("/proc/self/autogroup", "w") else { throw ProcessPriorityError(thread: nil, errno: errno) }
            let written = fputs("\(nice)", file) >= 0
            let closed = fclose(file) == 0
            guard written && closed else { throw ProcessPriorityError(thread: nil, errno: errno) }
            applied.sessionGroup = true
        }
        // Threads can start while the list is walked: walk it again until a pass changes none.
        for _ in 0..<3 {
            var changedThisPass = 0
            for thread in try Self.threads() {
                errno = 0
                let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread))
                if current == -1 && errno != 0 { continue }  // the thread has ended
                guard current < Int32(nice) else { continue }
                if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread), Int32(nice)) != 0 {
                    if errno == ESRCH { continue }
                    throw ProcessPriorityError(thread: thread, errno: errno)
                }
                changedThisPass += 1
            }
            applied.threads += changedThisPass
            if changedThisPass == 0 { break }
        }
        return applied
    }

    /// Applies the priority now and then every `interval` on a thread of its own, for as long as
    /// the process runs, so that threads libdispatch starts later are lowered too. A failure is
    /// thrown at once; later ones end the re-application silently (the process keeps whatever
    /// priority it reached).
    @discardableResult
    public func keepApplied(every interval: Duration = .seconds(1)) throws(ProcessPriorityError) -> Applied {
        let applied = try apply()
        guard nice > 0 else { return applied }
        let priority = self
        let thread = Thread {
            while (try? priority.apply()) != nil {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
            }
        }
        thread.name = "service-nice"
        thread.start()
        return applied
    }

    /// The nice value of this process's autogroup (`/autogroup-123 nice 0`), or nil when the
    /// kernel has no autogroups.
    static func autogroupNice() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/autogroup", encoding: .utf8),
              let last = text.split(whereSeparator: \.isWhitespace).last else { return nil }
        return Int(last)
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
    /// The thread, or nil for the process (its thread list or its autogroup).
    public let thread: Int32?
    /// The `errno` of the failed call.
    public let errno: Int32

    /// What failed, with the system's words for `errno`.
    public var description: String {
        let reason = String(cString: strerror(errno))
        guard let thread else { return "cannot lower this process's CPU priority (SERVICE_NICE) through /proc/self: \(reason)" }
        return "cannot lower the CPU priority of thread \(thread) (SERVICE_NICE): \(reason)"
    }
}
