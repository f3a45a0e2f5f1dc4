import Foundation

/// Runs short helper commands (initdb, pg_ctl, chown, runuser) to completion as child
/// processes; their output goes to a file (a pipe would be inherited by a server that pg_ctl
/// starts, and never reach end of file) and is returned in the error when they fail.
public enum CommandRunner {
    /// `runuser`, which Debian keeps in `/usr/sbin` (older systems: `/sbin`).
    public static var runuser: String {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
    }

    /// Runs `program` with the current environment and returns its output (stdout and stderr);
    /// throws with that output unless it exits 0. The temporary output file lives in
    /// `logDirectory`. The wait happens on the child's own thread, never the cooperative pool.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String],
                           logDirectory: String = NSTemporaryDirectory()) async throws(LauncherError) -> String {
        let logPath = "\(logDirectory)/.command-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let child = try ChildProcess.spawn(program, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                           logPath: logPath)
        let status = await child.exitStatus()
        guard status.isSuccess else {
            throw .commandFailed(command: ([program] + arguments).joined(separator: " "), status: "\(status)",
                                 output: LauncherFiles.tail(of: logPath, lines: 30))
        }
        return (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}
