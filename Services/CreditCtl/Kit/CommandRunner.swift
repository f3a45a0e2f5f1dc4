import Foundation

/// Runs short helper commands (initdb, pg_ctl, chown, runuser) to completion as child
/// processes; their output goes to a file (a pipe would be inherited by a server that pg_ctl
/// starts, and never reach end of file) and is returned in the error when they fail.
public enum CommandRunner {
    /// `runuser`, which Debian keeps in `/usr/sbin` (older systems: `/sbin`).
    public static var runuser: String {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
    }

    /// Runs `program` with the current environment; throws with its output unless it exits 0.
    /// The temporary output file lives in `logDirectory`.
    public static func run(_ program: String, _ arguments: [String], logDirectory: String) async throws(LauncherError) {
        let logPath = "\(logDirectory)/.command-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let child = try ChildProcess.spawn(program, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                           logPath: logPath)
        let status = await child.exitStatus()
        guard status.isSuccess else {
            throw .commandFailed(command: ([program] + arguments).joined(separator: " "), status: "\(status)",
                                 output: LauncherFiles.tail(of: logPath, lines: 30))
        }
    }
}
