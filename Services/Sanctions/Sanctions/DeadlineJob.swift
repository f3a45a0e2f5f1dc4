import Foundation
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import ServiceSupport

/// The scheduled deadline job: every `interval`, activates the noticed cases whose appeal
/// deadline (stored in the database, so it survives restarts) passed by the `WallClock`, and
/// enqueues their `imposed` decisions; and lifts the active cases whose policy duration ended,
/// with their `lifted` decisions. One transaction per round of at most `casesPerRound` each.
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

    /// Runs rounds until shutdown; a failed round is logged and retried.
    public func run() async throws {
        await PeriodicJob.run("deadline", every: interval, logger: logger) { try await runOnce() == casesPerRound }
    }

    /// One round: returns how many cases it activated or lifted (the larger of the two).
    @discardableResult
    public func runOnce() async throws -> Int {
        let engine = engine, now = clock.now(), limit = casesPerRound
        let outbox = Outbox(schema: engine.store.schema)
        let (activated, lifted) = try await pool.withTransaction { connection in
            let (activated, imposed) = try engine.activateDue(now: now, limit: limit, on: connection)
            let (lifted, liftings) = try engine.liftExpired(now: now, limit: limit, on: connection)
            try outbox.enqueue(imposed + liftings, on: connection)
            return (activated, lifted)
        }
        if activated > 0 { logger.info("appeal deadlines passed; cases activated", metadata: ["cases": "\(activated)"]) }
        if lifted > 0 { logger.info("measure durations ended; cases lifted", metadata: ["cases": "\(lifted)"]) }
        if activated + lifted > 0 { publisher?.wake() }
        return max(activated, lifted)
    }
}
