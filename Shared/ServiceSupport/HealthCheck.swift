/// One dependency's health (database, broker, ...) as `GET /health` reports it.
public struct ComponentHealth: Codable, Sendable, Equatable {
    /// Whether the component works now.
    public var ok: Bool
    /// What is wrong, or a short status when ok.
    public var detail: String?

    /// Creates a component status.
    public init(ok: Bool, detail: String? = nil) {
        self.ok = ok
        self.detail = detail
    }
}

/// A named probe run on every `GET /health`. It should answer fast (a cached state or a cheap
/// query with its own timeout), since load balancers call it often.
public struct HealthCheck: Sendable {
    /// Name shown in the report, e.g. `postgres` or `kafka`.
    public let name: String
    /// The probe.
    public let probe: @Sendable () async -> ComponentHealth

    /// Creates a named probe.
    public init(_ name: String, probe: @escaping @Sendable () async -> ComponentHealth) {
        self.name = name
        self.probe = probe
    }
}

/// The body of `GET /health`: `{"status":"ok"|"degraded","service":...,"components":{...}}`.
public struct HealthReport: Codable, Sendable, Equatable {
    /// `ok` when every component is ok, else `degraded`.
    public var status: String
    /// The service answering.
    public var service: String
    /// Each component's state by name.
    public var components: [String: ComponentHealth]

    /// Runs every check concurrently and summarises them.
    public static func run(service: String, checks: [HealthCheck]) async -> HealthReport {
        let components = await withTaskGroup(of: (String, ComponentHealth).self) { group in
            for check in checks { group.addTask { (check.name, await check.probe()) } }
            var results: [String: ComponentHealth] = [:]
            for await (name, health) in group { results[name] = health }
            return results
        }
        let healthy = components.values.allSatisfy(\.ok)
        return HealthReport(status: healthy ? "ok" : "degraded", service: service, components: components)
    }
}
