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
            let server = TemporaryPostgres(directory: directory, port: Int.random(in: 20_000...60_000))
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
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = allArguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                do {
                    try process.run()
                    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    if process.terminationStatus == 0 {
                        continuation.resume()
                    } else {
                        continuation.resume(throwing: TemporaryPostgresError(
                            command: ([program] + arguments).joined(separator: " "), output: text))
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
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
