import Foundation
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import ServiceSupport

/// The scheduled deadline job: every `interval`, activates the noticed cases whose appeal
/// deadline (stored in the database, so it survives restarts) passed by the `WallClock`, and
/// enqueues their `imposed` decisions, in one transaction per round of at most `casesPerRound`.
public struct DeadlineJob: Service {
    /// The state machine.
    public let engine: CaseEngine
    /// The database.
    public let pool: PostgresPool
    /// Business time.
    public let clock: any WallClock
    /// Time between rounds when nothing was due.
    public let interval: Duration
    /// Most cases per transaction.
    public let casesPerRound: Int
    /// Woken after a round that enqueued messages.
    public let publisher: OutboxPublisher?
    /// Where failures are reported.
    public let logger: Logger

    /// Creates the job.
    public init(engine: CaseEngine, pool: PostgresPool, clock: any WallClock, interval: Duration = .seconds(5),
                casesPerRound: Int = 200, publisher: OutboxPublisher?, logger: Logger) {
        self.engine = engine
        self.pool = pool
        self.clock = clock
        self.interval = interval
        self.casesPerRound = casesPerRound
        self.publisher = publisher
        self.logger = logger
    }

    /// Runs rounds until shutdown; a failed round is logged and retried on the next.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var full = false
            do {
                full = try await runOnce() == casesPerRound
            } catch {
                logger.warning("deadline round failed; retrying", metadata: ["error": "\(error)"])
            }
            if !full { try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) } }
        }
    }

    /// One round: returns how many cases it activated.
    @discardableResult
    public func runOnce() async throws -> Int {
        let engine = engine, now = clock.now(), limit = casesPerRound
        let outbox = Outbox(schema: engine.store.schema)
        let count = try await pool.withTransaction { connection in
            let (count, messages) = try engine.activateDue(now: now, limit: limit, on: connection)
            try outbox.enqueue(messages, on: connection)
            return count
        }
        if count > 0 {
            logger.info("appeal deadlines passed; cases activated", metadata: ["cases": "\(count)"])
            publisher?.wake()
        }
        return count
    }
}
