import Foundation

/// A private, throw-away PostgreSQL cluster (initdb + pg_ctl in a temporary directory, on a free
/// loopback port) for tests that must stop or restart the server without disturbing the shared
/// test server. When running as root the server binaries run as `postgres` via `runuser`.
public struct TemporaryPostgres: Sendable {
    /// The directory holding `data/`, the socket and the server log.
    public let directory: String
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// libpq URL of the cluster's `postgres` database as user `postgres`.
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    /// Server binaries (Debian's PostgreSQL 15 by default; `PGBIN` overrides).
    static var binaries: String {
        ProcessInfo.processInfo.environment["PGBIN"] ?? "/usr/lib/postgresql/15/bin"
    }

    /// Runs `body` with a fresh started cluster and always removes it afterwards.
    public static func with<T: Sendable>(_ body: (TemporaryPostgres) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let value = try await body(server)
            await server.destroy()
            return value
        } catch {
            await server.destroy()
            throw error
        }
    }

    /// Creates and starts a new cluster.
    public static func start() async throws -> TemporaryPostgres {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pg-temp-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try await run("/bin/chown", ["postgres:postgres", directory], asOwner: false) }
        try await run("\(binaries)/initdb", ["-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        var lastError: Error?
        for _ in 0..<5 {
            let server = TemporaryPostgres(directory: directory, port: Int.random(in: 20_000...32_000))  // below the ephemeral range
            do {
                try await server.startServer()
                return server
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Starts the server (after ``stop()``).
    public func startServer() async throws {
        try await Self.run("\(Self.binaries)/pg_ctl", [
            "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60",
            "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ])
    }

    /// Fast shutdown: sessions are terminated (57P01), the server stops.
    public func stop() async throws {
        try await Self.run("\(Self.binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"])
    }

    /// Fast restart: every open connection is cut, the server comes back on the same port.
    public func restart() async throws {
        try await stop()
        try await startServer()
    }

    /// Stops the server (ignoring errors) and deletes the directory.
    public func destroy() async {
        try? await Self.run("\(Self.binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a program to completion off the cooperative pool; as `postgres` when root.
    static func run(_ program: String, _ arguments: [String], asOwner: Bool = true) async throws {
        let (executable, allArguments) = asOwner && getuid() == 0
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments)
            : (program, arguments)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            DispatchQueue.global().async {
                // posix_spawn + waitpid rather than Foundation.Process (whose exit monitoring
                // hung here), and output to a file rather than a pipe (the server pg_ctl starts
                // would inherit the pipe and reading it to EOF would never finish).
                let logPath = FileManager.default.temporaryDirectory
                    .appendingPathComponent("pg-temp-cmd-\(UUID().uuidString).log").path
                defer { try? FileManager.default.removeItem(atPath: logPath) }
                let status = spawnAndWait(executable, allArguments, outputPath: logPath)
                if status == 0 {
                    continuation.resume()
                } else {
                    let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                    continuation.resume(throwing: TemporaryPostgresError(
                        command: ([program] + arguments).joined(separator: " "), output: "exit \(status)\n\(text)"))
                }
            }
        }
    }
}

/// Runs `executable` with `arguments`, stdin from /dev/null and stdout+stderr into
/// `outputPath`, and returns its exit status (-1 if it could not start or was killed).
private func spawnAndWait(_ executable: String, _ arguments: [String], outputPath: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { return -1 }
    }
    return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
}

/// A server command of ``TemporaryPostgres`` failed; carries its output.
public struct TemporaryPostgresError: Error, CustomStringConvertible {
    /// The command line.
    public let command: String
    /// What it printed.
    public let output: String
    /// Command and output.
    public var description: String { "\(command) failed:\n\(output)" }
}
