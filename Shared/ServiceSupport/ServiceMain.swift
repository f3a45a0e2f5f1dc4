import Foundation
import Logging
import Prometheus

/// The shared start of every service executable: read the log level (`LOG_LEVEL`) and the CPU
/// priority (`SERVICE_NICE`, see ``ProcessPriority``), bootstrap logging and metrics (only
/// `main` may), run the service, and turn a failure into one critical log line and a non-zero
/// exit instead of a crash trace.
public enum ServiceMain {
    /// Runs `body` with the service's logger and metrics registry and exits: 0 when it returns,
    /// 1 when it throws or the priority cannot be lowered, 2 when the logging or priority
    /// configuration itself is wrong.
    public static func run(_ name: String, environment: EnvironmentReader = .init(),
                           _ body: (Logger, PrometheusCollectorRegistry) async throws -> Void) async -> Never {
        let logLevel: Logger.Level
        let priority: ProcessPriority
        do {
            logLevel = try Observability.logLevel(environment)
            priority = try ProcessPriority.fromEnvironment(environment)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(2)
        }
        let registry = Observability.bootstrap(service: name, logLevel: logLevel)
        let logger = Logger(label: name)
        do {
            if priority.nice > 0 {
                let threads = try priority.keepApplied(logger: logger)
                logger.info("running at a lower CPU priority", metadata: ["nice": "\(priority.nice)", "threads": "\(threads)"])
            }
            try await body(logger, registry)
            exit(0)
        } catch {
            logger.critical("\(name) stopped", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
