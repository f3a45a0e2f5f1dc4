import ArgumentParser
import CreditCtlKit
import Foundation
import Logging
import UnixSignals

/// Options every stack command shares.
struct RunDirectoryOption: ParsableArguments {
    @Option(help: "The stack's run directory (pid files, logs, data, stack.json).")
    var runDir = ".run"

    var layout: RunLayout { RunLayout(root: runDir) }
}

/// Prints a line to stdout unbuffered (a background supervisor's log shows it at once).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Prints a line to stderr.
func complain(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `creditctl up`: the embedded stack of DESIGN §10 (PostgreSQL in `.run/pg`, the dev broker,
/// the four services), supervised in the foreground until Ctrl-C/SIGTERM, or in the background
/// with `--detach`.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the embedded stack (PostgreSQL, dev broker, services) and supervise it.",
        discussion: """
        In the foreground, a service that exits is reported at once with its last log lines, and \
        Ctrl-C or SIGTERM stops everything (services, then broker, then PostgreSQL). With --detach \
        a background supervisor runs it (output in <run-dir>/logs/creditctl-up.log); this command \
        returns once the stack is healthy. `creditctl down` stops it.
        """)

    @OptionGroup var runDirectory: RunDirectoryOption
    @Option(help: "Comma-separated services to run.")
    var services = StackService.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Port of the first service; the others follow (ingest, scoring, sanctions, notification).")
    var portBase = 8081
    @Option(help: "PostgreSQL's port (a running cluster in the run directory keeps its own).")
    var pgPort = 55432
    @Option(help: "Where the service executables and creditctl are (default: this executable's directory).")
    var binDir: String?
    @Option(help: "LOG_LEVEL of the services.")
    var logLevel = "info"
    @Flag(help: "Supervise in the background; return once the stack is healthy.")
    var detach = false

    func validate() throws {
        do {
            _ = try StackService.parseList(services)
        } catch {
            throw ValidationError("\(error)")
        }
        guard (1...65_531).contains(portBase), (1...65_535).contains(pgPort) else {
            throw ValidationError("ports must be between 1 and 65535")
        }
    }

    func run() async throws {
        let layout = runDirectory.layout
        if let pid = layout.liveSupervisor {
            complain("up: \(LauncherError.alreadyRunning(pid: pid, runDirectory: layout.root))")
            throw ExitCode(1)
        }
        let binDirectory = binDir ?? Self.ownDirectory
        if detach {
            try await Detached(layout: layout, arguments: supervisorArguments(binDirectory: binDirectory)).run()
        } else {
            try await supervise(layout: layout, binDirectory: binDirectory)
        }
    }

    /// The directory of the running `creditctl`.
    static var ownDirectory: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// The arguments of the background supervisor: this command without `--detach`.
    private func supervisorArguments(binDirectory: String) -> [String] {
        ["up", "--run-dir", layout.root, "--services", services, "--port-base", "\(portBase)",
         "--pg-port", "\(pgPort)", "--bin-dir", binDirectory, "--log-level", logLevel]
    }

    private var layout: RunLayout { runDirectory.layout }

    /// Starts the stack and supervises it until SIGINT/SIGTERM.
    private func supervise(layout: RunLayout, binDirectory: String) async throws {
        // Trap the signals first: a `down` during start-up must not kill us before we can stop
        // what we started.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        try LauncherFiles.createDirectory(layout.root)
        try LauncherFiles.writePID(getpid(), to: layout.supervisorPID)
        defer { try? FileManager.default.removeItem(atPath: layout.supervisorPID) }
        var options = EmbeddedStackOptions(layout: layout, binDirectory: binDirectory)
        options.services = try StackService.parseList(services)
        options.portBase = portBase
        options.postgresPort = pgPort
        options.logLevel = logLevel
        let stack: EmbeddedStack
        do {
            stack = try await EmbeddedStack.start(options, logger: Logger(label: "creditctl.up"), say: say)
        } catch {
            complain("up: \(error)")
            throw ExitCode(1)
        }
        say("")
        say(stack.summary)
        say("  Supervising: Ctrl-C (or `creditctl down`) stops everything.")
        let received = await withTaskGroup(of: UnixSignal?.self) { group in
            group.addTask {
                for await signal in signals { return signal }
                return nil
            }
            group.addTask {
                for await exit in stack.supervisor.exits {
                    complain("up: \(exit)")
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        say("up: \(received.map { "received \($0)" } ?? "supervision ended"); stopping the stack")
        await stack.stop(say: say)
        say("up: stopped")
    }
}

/// `creditctl up --detach`: starts `creditctl up` as a background supervisor in its own session
/// and waits until it has written `stack.json` (healthy) or exited (failed).
struct Detached {
    let layout: RunLayout
    let arguments: [String]

    func run() async throws {
        try LauncherFiles.createDirectory(layout.logs)
        try? FileManager.default.removeItem(atPath: layout.stackFile)
        try? FileManager.default.removeItem(atPath: layout.supervisorLog)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let child = try ChildProcess.spawn(executable, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                           workingDirectory: FileManager.default.currentDirectoryPath,
                                           logPath: layout.supervisorLog, newSession: true)
        say("up: background supervisor pid \(child.pid), log \(layout.supervisorLog); waiting for the stack")
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if let status = child.status {
                complain("up: the background supervisor exited (\(status)); last lines of \(layout.supervisorLog):")
                complain(LauncherFiles.tail(of: layout.supervisorLog, lines: 30))
                throw ExitCode(1)
            }
            if let stack = try? StackFile.load(from: layout.stackFile) {
                say("")
                say(StackSummary.text(stack, layout: layout))
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        complain("up: the stack was not up after 300 s; see \(layout.supervisorLog). Stopping it.")
        await EmbeddedStackControl.down(layout, say: say)
        throw ExitCode(1)
    }
}

/// `creditctl down`: stops the stack of the run directory.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the embedded stack (through its supervisor, or whatever its pid files record).")

    @OptionGroup var runDirectory: RunDirectoryOption

    func run() async throws {
        let layout = runDirectory.layout
        let hadSupervisor = await EmbeddedStackControl.down(layout, say: say)
        let status = await StackStatus.collect(layout)
        let left = ([status.postgres, status.broker] + status.services).filter(\.running)
        guard left.isEmpty else {
            complain("down: still running: \(left.map { "\($0.name) (pid \($0.pid.map { String($0) } ?? "?"))" }.joined(separator: ", "))")
            throw ExitCode(1)
        }
        say(hadSupervisor ? "down: the stack is stopped" : "down: no supervisor was running; nothing of the stack runs now")
    }
}

/// `creditctl status`: what of the stack runs, and whether each service is healthy.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what of the embedded stack runs (exit 0 when all of it is up and healthy, else 3).")

    @OptionGroup var runDirectory: RunDirectoryOption
    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let status = await StackStatus.collect(runDirectory.layout)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            say(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            say(status.text)
        }
        if !status.allUp { throw ExitCode(3) }
    }
}
