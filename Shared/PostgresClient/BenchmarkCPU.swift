import Foundation

/// CPU time for benchmarks on a shared machine, where wall time depends on whatever else runs:
/// this process's CPU (all threads) and the local PostgreSQL server's (every server process
/// `pg_stat_activity` lists: backends, WAL writer, checkpointer...), read from Linux `/proc`.
/// Only meaningful when the server runs on this host, as in the benchmarks. A server process
/// that exits between two samples drops out of the difference rather than making it negative.
public struct BenchmarkCPU: Sendable {
    /// CPU seconds of this process.
    public var process: Double
    /// CPU seconds of the server's processes, by process id.
    public var serverProcesses: [Int32: Double]
    /// CPU seconds of the server's processes.
    public var server: Double { serverProcesses.values.reduce(0, +) }

    /// A sample of given CPU seconds (`server` as one process).
    public init(process: Double, server: Double) {
        self.process = process
        serverProcesses = [0: server]
    }

    private init(process: Double, serverProcesses: [Int32: Double]) {
        self.process = process
        self.serverProcesses = serverProcesses
    }

    /// Takes a sample through `pool`.
    public static func sample(_ pool: PostgresPool) async throws -> BenchmarkCPU {
        let pids = try await pool.query("SELECT pid FROM pg_stat_activity").map { Int32(try $0.decode(Int.self, at: 0)) }
        return BenchmarkCPU(process: seconds(of: getpid()),
                            serverProcesses: Dictionary(pids.map { ($0, seconds(of: $0)) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The CPU spent between `earlier` and this sample (server processes present now; those
    /// started since count from zero).
    public func since(_ earlier: BenchmarkCPU) -> BenchmarkCPU {
        var spent: [Int32: Double] = [:]
        for (pid, seconds) in serverProcesses { spent[pid] = seconds - (earlier.serverProcesses[pid] ?? 0) }
        return BenchmarkCPU(process: process - earlier.process, serverProcesses: spent)
    }

    /// User + system CPU seconds of process `pid`, 0 when unreadable.
    public static func seconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Lines for a report: CPU microseconds per `unit` (this process and the server) over
    /// `count`, the same for the COPY of `copyRows` rows, and the ratio of the two rates — the
    /// throughput ratio the two would reach if CPU were the only limit.
    public func report(per count: Int, unit: String, copy: BenchmarkCPU, copyRows: Int) -> String {
        func micros(_ seconds: Double, _ count: Int) -> String { String(format: "%.0f", seconds * 1e6 / Double(max(count, 1))) }
        let ratio = (copy.process + copy.server) / Double(max(copyRows, 1)) / ((process + server) / Double(max(count, 1)))
        return """
            cpu:      \(micros(process, count)) µs this process + \(micros(server, count)) µs PostgreSQL per \(unit); \
            COPY \(micros(copy.process, copyRows)) µs + \(micros(copy.server, copyRows)) µs per row; \
            CPU-bound ratio \(unit)s/s / COPY rows/s = \(String(format: "%.3f", ratio))
            """
    }
}
