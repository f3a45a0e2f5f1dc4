import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a service's long-lived parts (consumers, publishers, the HTTP server) as one
/// swift-service-lifecycle group that shuts down gracefully on SIGTERM or SIGINT: consumers
/// finish their batch and leave the group, producers flush, the HTTP server stops accepting.
public enum ServiceRunner {
    /// Runs `services` plus an HTTP server for `router` until a signal or until one of them
    /// ends; a part that throws brings the others down so a supervisor can restart the process.
    ///
    /// Shutdown runs in reverse order of `services` (the HTTP server first), so list publishers
    /// before the consumers that feed them. A part that has not finished within
    /// `gracefulShutdownTimeout` (e.g. leaving a consumer group while the broker is gone) is
    /// cancelled, and the process gives up after `cancellationTimeout` more: a stuck dependency
    /// must never keep a service from stopping. Nothing is lost by that, since offsets and the
    /// outbox live in PostgreSQL.
    public static func run<Responder: HTTPResponderBuilder>(
        name: String,
        http: HTTPConfiguration,
        router: Responder,
        services: [any Service],
        logger: Logger,
        gracefulShutdownTimeout: Duration = .seconds(15),
        cancellationTimeout: Duration = .seconds(10)
    ) async throws where Responder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(http.host, port: http.port), serverName: name),
            logger: logger
        )
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                           failureTerminationBehavior: .gracefullyShutdownGroup) }
                + [.init(service: app, successTerminationBehavior: .gracefullyShutdownGroup,
                         failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = gracefulShutdownTimeout
        configuration.maximumCancellationDuration = cancellationTimeout
        try await ServiceGroup(configuration: configuration).run()
    }
}
