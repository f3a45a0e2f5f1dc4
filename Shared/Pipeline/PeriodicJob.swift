import Logging
import ServiceLifecycle

/// The loop of a scheduled job (sanctions' deadlines, scoring's expiry, notification's
/// deliveries): run a round, run the next at once while work is waiting, otherwise wait
/// `interval`; stop at graceful shutdown. A failed round never takes the service down: it is
/// logged (a warning when retriable, an error otherwise) and retried after a growing backoff.
public enum PeriodicJob {
    /// Runs `round` until graceful shutdown or cancellation. `round` returns whether more work
    /// is waiting (then the next round starts without waiting).
    public static func run(_ name: String, every interval: Duration, backoff: Backoff = Backoff(), logger: Logger,
                           round: () async throws -> Bool) async {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pause: Duration
            do {
                pause = try await round() ? .zero : interval
                failures = 0
            } catch {
                let level: Logger.Level = Retriable.isRetriable(error) ? .warning : .error
                logger.log(level: level, "\(name) round failed; retrying",
                           metadata: ["error": "\(error)", "attempt": "\(failures)"])
                pause = backoff.delay(attempt: failures)
                failures += 1
            }
            if pause > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) } }
        }
    }
}
