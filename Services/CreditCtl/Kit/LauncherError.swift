/// Why the launcher could not start or stop part of a stack; every case says what to look at.
public enum LauncherError: Error, CustomStringConvertible, Equatable {
    /// The file is missing or not executable (not built?).
    case notExecutable(String)
    /// `posix_spawn` refused.
    case spawnFailed(String, String)
    /// A file or directory operation failed.
    case file(String, String)
    /// A helper command (initdb, pg_ctl, runuser, chown) failed; carries its output.
    case commandFailed(command: String, status: String, output: String)
    /// The `postgres` user cannot reach the cluster directory.
    case unreachableForPostgres(String)
    /// A process ended while it was being started; carries its last log lines.
    case exitedDuringStart(name: String, status: String, log: String)
    /// A process did not become ready in time; carries its last log lines.
    case notReady(name: String, waited: String, log: String)
    /// Another supervisor already runs this stack.
    case alreadyRunning(pid: Int32, runDirectory: String)
    /// A setting is unusable.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .notExecutable(let path):
            "\(path) is not an executable: build it first (`swift build`) or pass --bin-dir"
        case .spawnFailed(let path, let reason):
            "cannot start \(path): \(reason)"
        case .file(let path, let reason):
            "\(path): \(reason)"
        case .commandFailed(let command, let status, let output):
            "`\(command)` failed (\(status)):\n\(output)"
        case .unreachableForPostgres(let path):
            "the postgres user cannot reach \(path) (a parent directory is not world-searchable); "
                + "move the checkout or chmod o+x its parents"
        case .exitedDuringStart(let name, let status, let log):
            "\(name) exited while starting (\(status)); last log lines:\n\(log)"
        case .notReady(let name, let waited, let log):
            "\(name) was not ready after \(waited); last log lines:\n\(log)"
        case .alreadyRunning(let pid, let runDirectory):
            "a stack already runs from \(runDirectory) (supervisor pid \(pid)); `creditctl down` stops it"
        case .invalidSetting(let problem):
            problem
        }
    }
}
