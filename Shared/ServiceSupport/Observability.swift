import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics set-up. Only an executable's `main` calls this; libraries
/// take a `Logger` and record metrics through swift-metrics without knowing the backend.
public enum Observability {
    /// Bootstraps swift-log (stream handler to stderr at `logLevel`) and swift-metrics (a
    /// Prometheus registry), and returns the registry that `/metrics` serves.
    ///
    /// Call once, first thing in `main`: both systems can be bootstrapped only once per process.
    @discardableResult
    public static func bootstrap(service: String, logLevel: Logger.Level) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// Reads `LOG_LEVEL` (trace, debug, info, notice, warning, error, critical); `info` by default.
    public static func logLevel(_ env: EnvironmentReader = .init()) throws(ConfigurationError) -> Logger.Level {
        guard let text = env.optionalString("LOG_LEVEL") else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(variable: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical; got \"\(text)\"")
        }
        return level
    }
}
