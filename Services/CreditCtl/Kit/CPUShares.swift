import Foundation
import PostgresClient

/// Where the CPU went during one phase of the benchmark, in cores (CPU seconds per second of
/// the phase): each service, PostgreSQL, the dev broker, the benchmark process itself (load
/// generator and latency collector) and the whole machine. The test fixtures share the cores
/// with the pipeline, so a run has to say how much of the machine they took.
public struct CPUShares: Codable, Sendable, Hashable {
    /// Cores per part (`ingest`, …, `postgresql`, `dev-broker`, `benchmark`, `machine`).
    public var cores: [String: Double]
    /// Length of the phase in seconds.
    public var seconds: Double
    /// PostgreSQL's cores (`cores["postgresql"]`) split by who spent them: the
    /// `application_name` of the connection each server process serves (`scoring`, …,
    /// `creditctl-bench`), or the process kind for the server's own (`walwriter`, …); `unnamed`
    /// for processes that were not identified. Nil when the run did not identify them.
    public var postgresqlByConnection: [String: Double]?

    /// Creates shares.
    public init(cores: [String: Double], seconds: Double, postgresqlByConnection: [String: Double]? = nil) {
        self.cores = cores
        self.seconds = seconds
        self.postgresqlByConnection = postgresqlByConnection
    }

    /// The parts in a fixed order (services first, `machine` last), for tables.
    public var ordered: [(name: String, cores: Double)] {
        let order = ["ingest", "scoring", "sanctions", "notification", "postgresql", "dev-broker", "benchmark", "other"]
        var rows = order.compactMap { name in cores[name].map { (name, $0) } }
        rows += cores.filter { !order.contains($0.key) && $0.key != "machine" }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let machine = cores["machine"] { rows.append(("machine", machine)) }
        return rows
    }

    /// CPU seconds of the named parts over the phase (cores × seconds).
    public func seconds(of parts: [String]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: parts.compactMap { part in cores[part].map { (part, $0 * seconds) } })
    }

    /// The median share of each part over `runs` (a part missing from a run counts as absent).
    public static func median(_ runs: [CPUShares]) -> CPUShares? {
        guard !runs.isEmpty else { return nil }
        let names = Set(runs.flatMap(\.cores.keys))
        var cores: [String: Double] = [:]
        for name in names { cores[name] = Spread(runs.compactMap { $0.cores[name] }).median }
        let split = runs.compactMap(\.postgresqlByConnection)
        var byConnection: [String: Double]?
        if !split.isEmpty {
            byConnection = [:]
            // A connection missing from a repetition's split spent nothing there. Taking the median of
            // only the repetitions that had it overstated it, and the split's sum then exceeded
            // PostgreSQL's cores (by 0.07 in a two-repetition run with an autovacuum worker in one).
            for name in Set(split.flatMap(\.keys)) { byConnection?[name] = Spread(split.map { $0[name] ?? 0 }).median }
        }
        return CPUShares(cores: cores, seconds: Spread(runs.map(\.seconds)).median, postgresqlByConnection: byConnection)
    }
}

/// CPU counters at one instant, to subtract from a later reading (Linux `/proc`).
public struct CPUSnapshot: Sendable {
    /// CPU seconds so far per part of one process.
    public var seconds: [String: Double]
    /// CPU seconds so far per process id, for a part of many processes (`postgresql`): its share
    /// is the sum of each process's own difference. A process that exits takes its CPU seconds
    /// with it, so a difference of sums could fall (to zero, once clamped) while the part was
    /// busy: the test server's backends of other suites come and go.
    public var processes: [String: [Int32: Double]]
    /// When it was taken.
    public var instant: ContinuousClock.Instant
    /// Who each PostgreSQL process serves, by process id (see ``CPUShares/postgresqlByConnection``);
    /// empty when not identified.
    public var postgresNames: [Int32: String]

    /// A reading with these counters.
    public init(seconds: [String: Double], processes: [String: [Int32: Double]] = [:], instant: ContinuousClock.Instant,
                postgresNames: [Int32: String] = [:]) {
        self.seconds = seconds
        self.processes = processes
        self.instant = instant
        self.postgresNames = postgresNames
    }

    /// Reads the counters: `processes` by name (the services, the dev broker when this run
    /// started it), every process named `postgres` together as `postgresql`, this process as
    /// `benchmark`, and the busy time of all CPUs as `machine`.
    /// `postgresNames` names the PostgreSQL processes (from `pg_stat_activity`, read just before),
    /// so that the shares split PostgreSQL's cores by connection.
    public static func take(processes: [String: Int32], postgresNames: [Int32: String] = [:]) -> CPUSnapshot {
        var seconds = processes.mapValues(BenchmarkCPU.seconds(of:))
        seconds["benchmark"] = BenchmarkCPU.seconds(of: getpid())
        seconds["machine"] = machineBusySeconds()
        let server = postgresProcessSeconds()
        var names = postgresNames
        // A server process that started after `pg_stat_activity` was read (an autovacuum worker,
        // a parallel worker) would count as `unnamed`; its process title says what it is.
        for pid in server.keys where names[pid] == nil {
            if let kind = postgresKind(title: ProcessMemory.commandLine(pid: pid)) { names[pid] = kind }
        }
        return CPUSnapshot(seconds: seconds, processes: ["postgresql": server], instant: .now, postgresNames: names)
    }

    /// Cores used per part between `earlier` and this reading; `other` is the machine's busy
    /// time that no listed part accounts for (kernel threads such as writeback, other programs).
    public func shares(since earlier: CPUSnapshot) -> CPUShares {
        let elapsed = max(1e-3, (instant - earlier.instant).seconds)
        var cores: [String: Double] = [:]
        for (name, value) in seconds {
            guard let before = earlier.seconds[name] else { continue }
            cores[name] = max(0, value - before) / elapsed
        }
        var byConnection: [String: Double]?
        let names = earlier.postgresNames.merging(postgresNames) { _, later in later }
        for (name, now) in processes {
            guard let then = earlier.processes[name] else { continue }
            // Processes started since count from zero; a reused id that reads less counts nothing.
            let spent = now.map { (pid: $0.key, seconds: max(0, $0.value - then[$0.key, default: 0])) }
            cores[name] = spent.reduce(0) { $0 + $1.seconds } / elapsed
            if name == "postgresql", !names.isEmpty {
                byConnection = spent.reduce(into: [:]) { split, process in
                    split[names[process.pid] ?? "unnamed", default: 0] += process.seconds / elapsed
                }
            }
        }
        if let machine = cores["machine"] {
            cores["other"] = max(0, machine - cores.filter { $0.key != "machine" }.values.reduce(0, +))
        }
        return CPUShares(cores: cores, seconds: elapsed, postgresqlByConnection: byConnection)
    }

    /// CPU seconds of every process whose name is `postgres` (the server and its backends), by
    /// process id.
    static func postgresProcessSeconds() -> [Int32: Double] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [:] }
        var seconds: [Int32: Double] = [:]
        for entry in entries {
            guard let pid = Int32(entry),
                  let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                  comm.hasPrefix("postgres") else { continue }
            seconds[pid] = BenchmarkCPU.seconds(of: pid)
        }
        return seconds
    }

    /// The kind of a PostgreSQL server process from its title (`postgres: autovacuum worker db`
    /// → `autovacuum worker`), with `pg_stat_activity`'s names for the kinds; nil for a client
    /// backend, whose title names a user and a database, not the connection's application.
    public static func postgresKind(title: String?) -> String? {
        guard let title, title.hasPrefix("postgres: ") else { return nil }
        let rest = title.dropFirst("postgres: ".count)
        let kinds = ["autovacuum worker", "autovacuum launcher", "checkpointer", "background writer", "walwriter",
                     "logical replication launcher", "logical replication worker", "parallel worker", "archiver", "startup"]
        return kinds.first { rest.hasPrefix($0) }
    }

    /// Busy seconds of all CPUs together (`/proc/stat`: everything but idle and iowait).
    static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return 0 }
        let busy = ticks.enumerated().filter { $0.offset != 3 && $0.offset != 4 && $0.offset < 8 }.map(\.element).reduce(0, +)
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
