import Foundation

/// What of the embedded stack runs, as `creditctl status` shows it (`--json`: this, encoded).
public struct StackStatus: Codable, Sendable {
    /// One process of the stack.
    public struct Component: Codable, Sendable, Equatable {
        /// `ingest`, ..., `dev broker`, `postgres`, `supervisor`.
        public var name: String
        /// Whether it runs.
        public var running: Bool
        /// Its pid, if known.
        public var pid: Int32?
        /// Its address (a URL, bootstrap servers or database URL), if known.
        public var address: String?
        /// For services: whether `GET /health` answered 200.
        public var healthy: Bool?
    }

    /// The `creditctl up` supervisor.
    public var supervisor: Component
    /// The PostgreSQL cluster.
    public var postgres: Component
    /// The dev broker.
    public var broker: Component
    /// The services, in pipeline order.
    public var services: [Component]
    /// Whether `stack.json` exists.
    public var stackFile: String?

    /// Whether every component runs and every service is healthy.
    public var allUp: Bool {
        ([supervisor, postgres, broker] + services).allSatisfy(\.running) && services.allSatisfy { $0.healthy == true }
    }

    /// Looks at the pid files, the cluster, and each service's `/health`.
    public static func collect(_ layout: RunLayout) async -> StackStatus {
        let stack = try? StackFile.load(from: layout.stackFile)
        let supervisorPID = layout.liveSupervisor
        let postgresPort = await PostgresCluster(directory: layout.postgres).runningPort()
        let brokerPID = LauncherFiles.livePID(in: layout.brokerPID, named: "broker")
        var services: [Component] = []
        for service in StackService.allCases {
            let pid = LauncherFiles.livePID(in: layout.pidFile(of: service), named: service.executable)
            let url = stack?.services[service.rawValue] ?? "http://127.0.0.1:\(service.port())"
            var healthy: Bool?
            if pid != nil { healthy = await HealthProbe.isHealthy(url) }
            services.append(Component(name: service.rawValue, running: pid != nil, pid: pid,
                                      address: pid == nil ? nil : url, healthy: healthy))
        }
        return StackStatus(
            supervisor: Component(name: "supervisor", running: supervisorPID != nil, pid: supervisorPID),
            postgres: Component(name: "postgres", running: postgresPort != nil,
                                address: postgresPort.map { PostgresCluster.databaseURL(port: $0) }),
            broker: Component(name: "dev broker", running: brokerPID != nil, pid: brokerPID, address: stack?.kafka.bootstrap),
            services: services,
            stackFile: stack == nil ? nil : layout.stackFile)
    }

    /// One line per component.
    public var text: String {
        ([supervisor, postgres, broker] + services).map { component in
            var line = "\((component.name + ":").padding(toLength: 14, withPad: " ", startingAt: 0)) "
            line += component.running ? "running" : "stopped"
            if let pid = component.pid { line += " (pid \(pid))" }
            if let address = component.address { line += "  \(address)" }
            if let healthy = component.healthy { line += healthy ? "  healthy" : "  NOT HEALTHY" }
            return line
        }.joined(separator: "\n") + "\n" + (stackFile.map { "stack file:    \($0)" } ?? "stack file:    none (the stack is not up)")
    }
}
