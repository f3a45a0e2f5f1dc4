import CreditModel
import Foundation
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import ServiceSupport

/// The scheduled expiry job: every `interval`, writes compensating entries for entries whose
/// expiry passed (business time from the `WallClock`) and enqueues their `score-change/1`
/// messages, in one transaction per round of at most `subjectsPerRound` subjects.
public struct ExpiryJob: Service {
    /// The in-transaction scoring.
    public let scorer: Scorer
    /// The database.
    public let pool: PostgresPool
    /// Business time.
    public let clock: any WallClock
    /// Time between rounds when nothing is left to expire.
    public let interval: Duration
    /// Most subjects per transaction.
    public let subjectsPerRound: Int
    /// Woken after a round that enqueued messages.
    public let publisher: OutboxPublisher?
    /// Where failures are reported.
    public let logger: Logger

    /// Creates the job.
    public init(scorer: Scorer, pool: PostgresPool, clock: any WallClock, interval: Duration = .seconds(30),
                subjectsPerRound: Int = 500, publisher: OutboxPublisher?, logger: Logger) {
        self.scorer = scorer
        self.pool = pool
        self.clock = clock
        self.interval = interval
        self.subjectsPerRound = subjectsPerRound
        self.publisher = publisher
        self.logger = logger
    }

    /// Runs rounds until shutdown; a failed round is logged and retried.
    public func run() async throws {
        await PeriodicJob.run("expiry", every: interval, logger: logger) { try await runOnce() > 0 }
    }

    /// One round: returns how many score changes it enqueued.
    @discardableResult
    public func runOnce() async throws -> Int {
        let scorer = scorer, now = clock.now(), limit = subjectsPerRound
        let outbox = Outbox(schema: scorer.ledger.schema)
        let count = try await pool.withTransaction { connection in
            let messages = try scorer.expire(at: now, limit: limit, on: connection)
            try outbox.enqueue(messages, on: connection)
            return messages.count
        }
        if count > 0 { publisher?.wake() }
        return count
    }
}
