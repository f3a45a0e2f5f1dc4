/// One of the four services of the stack (DESIGN §2), with its executable name, default port
/// and environment prefix.
public enum StackService: String, CaseIterable, Codable, Sendable, Hashable, Comparable {
    /// Authenticates, validates and forwards agency events (8081).
    case ingest
    /// Turns events into points (8082).
    case scoring
    /// Turns scores and events into cases and decisions (8083).
    case sanctions
    /// Delivers notices (8084).
    case notification

    /// The executable's name in the bin directory.
    public var executable: String { rawValue }

    /// The prefix of its variables, e.g. `INGEST` in `INGEST_HTTP_PORT`.
    public var environmentPrefix: String { rawValue.uppercased() }

    /// Its place in the pipeline (0...3): the offset of its port from the base port.
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// Its port when the services start at `base` (DESIGN §8 defaults at 8081).
    public func port(base: Int = 8081) -> Int { base + index }

    /// Pipeline order.
    public static func < (lhs: StackService, rhs: StackService) -> Bool { lhs.index < rhs.index }

    /// Parses a comma-separated list (`ingest,scoring`); throws naming an unknown service.
    public static func parseList(_ text: String) throws(LauncherError) -> [StackService] {
        var services: [StackService] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let service = StackService(rawValue: name) else {
                throw .invalidSetting("unknown service `\(name)` (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !services.contains(service) { services.append(service) }
        }
        guard !services.isEmpty else { throw .invalidSetting("no service named in `\(text)`") }
        return services.sorted()
    }
}
