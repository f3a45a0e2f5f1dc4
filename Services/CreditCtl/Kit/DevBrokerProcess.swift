import Foundation

/// The dev Kafka broker (`creditctl broker --state-file F`) as a child process: started,
/// waited for until it has written its state file, and stopped with SIGTERM.
public struct DevBrokerProcess: Sendable {
    /// What the broker writes to its state file.
    public struct State: Codable, Sendable, Equatable {
        /// Bootstrap servers of the default cluster.
        public var bootstrap: String
        /// Base URL of the control API.
        public var control: String
        /// The broker's pid.
        public var pid: Int32
    }

    /// The running process.
    public let process: ChildProcess
    /// Its state: bootstrap servers and control API.
    public let state: State
    /// Bootstrap servers of the default cluster.
    public var bootstrap: String { state.bootstrap }
    /// Base URL of the control API.
    public var control: String { state.control }

    /// Starts `<binDirectory>/creditctl broker` writing `stateFile`, output to `logPath`, and
    /// waits up to `timeout` for the state file.
    public static func start(binDirectory: String, stateFile: String, logPath: String,
                             extraArguments: [String] = [],
                             timeout: Duration = .seconds(60)) async throws(LauncherError) -> DevBrokerProcess {
        try? FileManager.default.removeItem(atPath: stateFile)
        let process = try ChildProcess.spawn("\(binDirectory)/creditctl",
                                             arguments: ["broker", "--state-file", stateFile] + extraArguments,
                                             environment: ServiceEnvironment.inherited(), logPath: logPath)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let state = readState(stateFile) { return DevBrokerProcess(process: process, state: state) }
            if let status = process.status {
                throw .exitedDuringStart(name: "dev broker", status: "\(status)", log: process.logTail())
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        await process.terminate(timeout: .seconds(5))
        throw .notReady(name: "dev broker", waited: "\(timeout)", log: process.logTail())
    }

    /// The state in `path`, if the file is complete.
    public static func readState(_ path: String) -> State? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    /// SIGTERM, then SIGKILL after `timeout`.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) async -> TerminationStatus {
        await process.terminate(timeout: timeout)
    }
}
