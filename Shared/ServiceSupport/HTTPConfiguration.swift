/// Where a service's HTTP server listens (DESIGN §8: ingest 8081, scoring 8082, sanctions 8083,
/// notification 8084, each overridable).
public struct HTTPConfiguration: Sendable, Equatable {
    /// Interface to bind; loopback by default so a dev stack is not exposed.
    public var host: String
    /// TCP port; 0 asks the system for a free one.
    public var port: Int

    /// Creates a configuration; loopback by default.
    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `<PREFIX>_HTTP_HOST` and `<PREFIX>_HTTP_PORT` (e.g. `INGEST_HTTP_PORT`), falling back
    /// to `HTTP_HOST`/`HTTP_PORT`, then to `defaultPort`.
    public static func fromEnvironment(prefix: String, defaultPort: Int, _ env: EnvironmentReader = .init())
        throws(ConfigurationError) -> HTTPConfiguration
    {
        let host = env.optionalString("\(prefix)_HTTP_HOST") ?? env.string("HTTP_HOST", default: "127.0.0.1")
        let portVariable = env.optionalString("\(prefix)_HTTP_PORT") != nil ? "\(prefix)_HTTP_PORT" : "HTTP_PORT"
        let port = try env.int(portVariable, default: defaultPort, in: 0...65535)
        return HTTPConfiguration(host: host, port: port)
    }
}
