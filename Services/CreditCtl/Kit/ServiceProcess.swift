import Foundation

/// A service of the stack running as its own process.
public struct ServiceProcess: Sendable {
    /// Which service.
    public let service: StackService
    /// The process.
    public let process: ChildProcess
    /// Its base URL, e.g. `http://127.0.0.1:8081`.
    public let url: String

    /// Starts `service` with ``StackConfiguration/environment(for:)``, in the configuration's
    /// working directory, output appended to its log. Does not wait for it; see ``waitUntilHealthy(timeout:)``.
    public static func launch(_ service: StackService, configuration: StackConfiguration) throws(LauncherError) -> ServiceProcess {
        let logPath = configuration.logPath(of: service)
        let process = try ChildProcess.spawn(configuration.executable(of: service),
                                             environment: configuration.environment(for: service),
                                             workingDirectory: configuration.workingDirectory, logPath: logPath)
        return ServiceProcess(service: service, process: process, url: configuration.url(of: service))
    }

    /// Polls `GET /health` until it answers 200; throws with the last log lines if the process
    /// exits first or `timeout` passes.
    public func waitUntilHealthy(timeout: Duration = .seconds(90)) async throws(LauncherError) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = process.status {
                throw .exitedDuringStart(name: service.rawValue, status: "\(status)", log: process.logTail())
            }
            if await HealthProbe.isHealthy(url, timeout: 1) { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        throw .notReady(name: "\(service.rawValue) (\(url)/health)", waited: "\(timeout)", log: process.logTail())
    }
}

/// A process of the stack that ended by itself: which, how, and the end of its log.
public struct ProcessExit: Sendable, CustomStringConvertible {
    /// The process's name (`ingest`, ..., `dev broker`).
    public let name: String
    /// Its pid.
    public let pid: pid_t
    /// How it ended.
    public let status: TerminationStatus
    /// Its last log lines.
    public let logTail: String
    /// Its log file.
    public let logPath: String

    /// Creates the report of an exit.
    public init(name: String, pid: pid_t, status: TerminationStatus, logTail: String, logPath: String) {
        self.name = name
        self.pid = pid
        self.status = status
        self.logTail = logTail
        self.logPath = logPath
    }

    /// `ingest (pid 123) exited: exit 1; last lines of .run/logs/ingest.log:` and the lines.
    public var description: String {
        "\(name) (pid \(pid)) exited: \(status); last lines of \(logPath):\n\(logTail)"
    }
}
