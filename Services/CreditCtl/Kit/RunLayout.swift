import Foundation

/// Where the embedded stack keeps its files under its run directory (`.run` by default).
public struct RunLayout: Sendable, Equatable {
    /// The run directory, absolute.
    public let root: String

    /// The layout under `root` (made absolute).
    public init(root: String = ".run") {
        self.root = StackConfiguration.absolute(root)
    }

    /// The PostgreSQL cluster's directory.
    public var postgres: String { "\(root)/pg" }
    /// Logs of every process.
    public var logs: String { "\(root)/logs" }
    /// Letters, one file per subject.
    public var mailbox: String { "\(root)/mailbox" }
    /// The shared dev clock's offset file.
    public var clock: String { "\(root)/clock" }
    /// The dev tokens.
    public var tokens: String { "\(root)/tokens.json" }
    /// The address book of a stack that is up.
    public var stackFile: String { "\(root)/stack.json" }
    /// The supervisor's pid.
    public var supervisorPID: String { "\(root)/up.pid" }
    /// The dev broker's state file.
    public var brokerState: String { "\(root)/broker.json" }
    /// The dev broker's pid.
    public var brokerPID: String { "\(root)/broker.pid" }
    /// A background supervisor's output.
    public var supervisorLog: String { "\(logs)/creditctl-up.log" }
    /// The dev broker's output.
    public var brokerLog: String { "\(logs)/broker.log" }
    /// A service's pid file.
    public func pidFile(of service: StackService) -> String { "\(root)/\(service.rawValue).pid" }
    /// A service's log.
    public func log(of service: StackService) -> String { "\(logs)/\(service.rawValue).log" }

    /// The pid of a live supervisor of this run directory, if one runs.
    public var liveSupervisor: pid_t? { LauncherFiles.livePID(in: supervisorPID, named: "creditctl") }
}
