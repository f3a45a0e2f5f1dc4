import Foundation

/// A private PostgreSQL cluster in a directory (`<dir>/data`, socket and `server.log` in
/// `<dir>`), listening on 127.0.0.1: `initdb` once (an existing cluster's data is reused),
/// then `pg_ctl start`/`stop`. The server refuses to run as root, so when we are root every
/// server command runs as the `postgres` user through `runuser -u postgres --`, and the
/// directory is handed to that user. Mirrors `start_postgres`/`stop_postgres` of
/// `scripts/lib/infra.sh`.
public struct PostgresCluster: Sendable {
    /// The cluster's directory.
    public let directory: String
    /// Where the server binaries are (Debian's PostgreSQL 15 by default).
    public let binaries: String
    /// Extra server options, e.g. `["-c", "fsync=off"]`.
    public let serverOptions: [String]

    /// Server settings for the pipeline's write load, instead of PostgreSQL's defaults for a
    /// small shared machine: more shared buffers for the benchmark's working set (100,000
    /// subjects), and fewer checkpoints under a steady write load. Durability settings stay at
    /// their defaults. Measured once each, 100,000-event benchmark runs: 2,940 events/s and
    /// 74,051 COPY rows/s with the defaults, 3,640 and 92,716 with these. `min_wal_size` as
    /// large as `max_wal_size` keeps every WAL segment a checkpoint retires for reuse instead of
    /// removing it, so a server that has written that much WAL once never creates a segment
    /// again (see ``WALSegments``).
    public static let tuning = ["-c", "shared_buffers=1GB", "-c", "max_wal_size=4GB", "-c", "min_wal_size=4GB",
                                "-c", "checkpoint_timeout=15min"]

    /// A cluster in `directory` (made absolute).
    public init(directory: String, binaries: String = "/usr/lib/postgresql/15/bin", serverOptions: [String] = PostgresCluster.tuning) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.binaries = binaries
        self.serverOptions = serverOptions
    }

    /// The data directory.
    public var dataDirectory: String { "\(directory)/data" }
    /// The server's log.
    public var serverLog: String { "\(directory)/server.log" }

    /// The libpq URL of the `postgres` database of a cluster on `port`.
    public static func databaseURL(port: Int, database: String = "postgres") -> String {
        "postgresql://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// Starts the cluster (creating it first if `data/` is empty) on `port`, or a free port when
    /// nil, and returns its database URL. A cluster that already runs is left as it is, on the
    /// port it has.
    public func start(port: Int? = nil) async throws(LauncherError) -> String {
        if let running = await runningPort() { return Self.databaseURL(port: running) }
        try await prepareDirectory()
        if !FileManager.default.fileExists(atPath: "\(dataDirectory)/PG_VERSION") {
            // Collation C: every key here is ASCII (codes, ids, names), which C orders like any
            // other locale, and text comparisons become byte comparisons instead of strcoll.
            try await runAsOwner("\(binaries)/initdb",
                                 ["-D", dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--lc-collate=C",
                                  "--lc-ctype=C.UTF-8", "--no-sync"])
        }
        let chosen: Int
        if let port { chosen = port } else { chosen = try LauncherFiles.freePort() }
        let options = (["-p", "\(chosen)", "-k", directory, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"]
            + serverOptions).joined(separator: " ")
        do {
            try await runAsOwner("\(binaries)/pg_ctl",
                                 ["-D", dataDirectory, "-l", serverLog, "-w", "-t", "60", "-o", options, "start"])
        } catch {
            throw .commandFailed(command: "pg_ctl start (port \(chosen))", status: "\(error)",
                                 output: LauncherFiles.tail(of: serverLog, lines: 20))
        }
        return Self.databaseURL(port: chosen)
    }

    /// Fast shutdown, if the cluster runs.
    public func stop() async throws(LauncherError) {
        guard await runningPort() != nil else { return }
        try await runAsOwner("\(binaries)/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// The port of the running server of this cluster, or nil when it does not run.
    public func runningPort() async -> Int? {
        guard FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") else { return nil }
        guard (try? await runAsOwner("\(binaries)/pg_ctl", ["-D", dataDirectory, "status"])) != nil else { return nil }
        let lines = ((try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8)) ?? "")
            .split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 3 ? Int(lines[3].trimmingCharacters(in: .whitespaces)) : nil
    }

    /// The postmaster's pid from `postmaster.pid`, if the file is there (check ``runningPort()`` first).
    public var postmasterPID: pid_t? {
        let text = (try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first.flatMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
    }

    private var asRoot: Bool { getuid() == 0 }

    /// Creates the directory; as root, hands it to `postgres` and checks that user can reach it.
    private func prepareDirectory() async throws(LauncherError) {
        try LauncherFiles.createDirectory(directory)
        guard asRoot else { return }
        try await CommandRunner.run("/bin/chown", ["postgres:postgres", directory], logDirectory: directory)
        guard chmod(directory, 0o700) == 0 else { throw .file(directory, "chmod 700 failed") }
        do {
            try await CommandRunner.run(CommandRunner.runuser, ["-u", "postgres", "--", "test", "-x", directory],
                                        logDirectory: directory)
        } catch {
            throw .unreachableForPostgres(directory)
        }
    }

    /// Runs a server binary, as `postgres` when we are root.
    private func runAsOwner(_ program: String, _ arguments: [String]) async throws(LauncherError) {
        if asRoot {
            try await CommandRunner.run(CommandRunner.runuser, ["-u", "postgres", "--", program] + arguments,
                                        logDirectory: directory)
        } else {
            try await CommandRunner.run(program, arguments, logDirectory: directory)
        }
    }
}
