import Foundation
import Synchronization

/// How a child process ended.
public enum TerminationStatus: Sendable, Equatable, CustomStringConvertible {
    /// It called `exit(code)`.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)

    /// Whether it exited with status 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// `exit 1` or `signal 9 (KILL)`.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signalled(let signal): "signal \(signal)\(Self.signalNames[signal].map { " (\($0))" } ?? "")"
        }
    }

    private static let signalNames: [Int32: String] = [SIGTERM: "TERM", SIGKILL: "KILL", SIGINT: "INT",
                                                        SIGSEGV: "SEGV", SIGABRT: "ABRT", SIGILL: "ILL",
                                                        SIGTRAP: "TRAP", SIGBUS: "BUS", SIGHUP: "HUP"]

    /// Decodes a `waitpid` status word.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}

/// A program started with `posix_spawn`: stdin from `/dev/null`, stdout and stderr appended to
/// one log file, its own process group (so a terminal's Ctrl-C reaches only the supervisor,
/// which then stops children in order), default signal dispositions and an empty signal mask
/// (a supervisor that ignores SIGINT/SIGTERM must not pass that on).
///
/// A dedicated thread blocks in `waitpid` for it, never the cooperative pool; ``exitStatus()``
/// suspends until it has ended.
public final class ChildProcess: Sendable {
    /// The process id.
    public let pid: pid_t
    /// The executable's path.
    public let executable: String
    /// Where its output goes.
    public let logPath: String

    private struct State {
        var status: TerminationStatus?
        var waiters: [CheckedContinuation<TerminationStatus, Never>] = []
    }
    private let state = Mutex(State())

    private init(pid: pid_t, executable: String, logPath: String) {
        self.pid = pid
        self.executable = executable
        self.logPath = logPath
    }

    /// Starts `executable` with exactly `environment`, in `workingDirectory` (when given), output
    /// appended to `logPath` (created with its directory). `newSession` detaches it from the
    /// terminal entirely (setsid), for a background supervisor.
    public static func spawn(_ executable: String, arguments: [String] = [], environment: [String: String],
                             workingDirectory: String? = nil, logPath: String,
                             newSession: Bool = false) throws(LauncherError) -> ChildProcess {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw .notExecutable(executable)
        }
        try LauncherFiles.createDirectory(URL(fileURLWithPath: logPath).deletingLastPathComponent().path)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let workingDirectory {
            // Swift's Glibc module does not import this GNU extension (glibc ≥ 2.29); look it up.
            guard let addChdir = Self.addChdir, addChdir(&actions, workingDirectory) == 0 else {
                throw .spawnFailed(executable, "cannot change to \(workingDirectory) (posix_spawn_file_actions_addchdir_np)")
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        // glibc: POSIX_SPAWN_SETPGROUP 0x02, POSIX_SPAWN_SETSIGDEF 0x04, POSIX_SPAWN_SETSIGMASK 0x08,
        // POSIX_SPAWN_SETSID 0x80 (a GNU extension Swift does not import).
        let flags: Int32 = 0x04 | 0x08 | (newSession ? 0x80 : 0x02)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        if !newSession { posix_spawnattr_setpgroup(&attributes, 0) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = environment.sorted { $0.key < $1.key }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw .spawnFailed(executable, String(cString: strerror(result)))
        }
        let child = ChildProcess(pid: pid, executable: executable, logPath: logPath)
        let thread = Thread { child.reap() }
        thread.name = "waitpid-\(pid)"
        thread.start()
        return child
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

    /// Blocks (on the dedicated thread) until the process ends, then wakes every waiter.
    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
        let exit = result == pid ? TerminationStatus(waitStatus: status) : .exited(-1)
        let waiters = state.withLock { state in
            state.status = exit
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    /// How it ended, or nil while it runs.
    public var status: TerminationStatus? { state.withLock { $0.status } }

    /// Waits until the process has ended and returns how.
    public func exitStatus() async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            let done: TerminationStatus? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Sends `signal` unless the process has already been reaped (its pid may be reused).
    public func send(_ signal: Int32) {
        state.withLock { state in
            if state.status == nil { _ = kill(pid, signal) }
        }
    }

    /// Sends SIGTERM, waits up to `timeout`, then SIGKILL; returns how it ended.
    @discardableResult
    public func terminate(timeout: Duration) async -> TerminationStatus {
        send(SIGTERM)
        if let status = await waitForExit(timeout: timeout) { return status }
        send(SIGKILL)
        return await exitStatus()
    }

    /// Waits up to `timeout` for the process to end; nil if it still runs.
    public func waitForExit(timeout: Duration) async -> TerminationStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return status
    }

    /// The last `count` lines of its log.
    public func logTail(_ count: Int = 20) -> String { LauncherFiles.tail(of: logPath, lines: count) }
}
