import CreditModel
import Foundation
import KafkaClient
import Pipeline
import PostgresClient

/// The scoring benchmark (issue 4): scored events per second through the consumer's batch
/// path — decode `accepted-event/1`, score, append ledger entries, save balances, enqueue the
/// `score-change/1` messages in the outbox, store offsets, commit without waiting for the WAL
/// flush, as the consumer does — beside a raw `COPY` of the same ledger rows into a table shaped
/// like the ledger, in the same run and database.
///
/// The Kafka poll itself is not timed (the pipeline's own benchmark covers it): this measures
/// what scoring adds on top of moving bytes, against the fastest way PostgreSQL takes rows.
public struct ScoringBenchmark: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// A schema created for the run (left in place for inspection).
    public let schema: String
    /// Events scored.
    public let events: Int
    /// Events per transaction (the consumer's `maxBatch`).
    public let batchSize: Int
    /// Distinct subjects the events are about. Few subjects repeat within a batch, so a batch reads
    /// and writes fewer balances and histories per event than the pipeline benchmark's 100,000 do.
    public let subjects: Int

    /// Creates a run of `options` (events, events per transaction, subjects) in `schema`.
    public init(pool: PostgresPool, schema: String, options: Options = Options()) {
        self.pool = pool
        self.schema = schema
        events = options.events
        batchSize = options.batchSize
        subjects = options.subjects
    }

    /// The measurements.
    public struct Result: Sendable, CustomStringConvertible {
        /// Events scored.
        public var events: Int
        /// Ledger rows those events produced.
        public var ledgerRows: Int
        /// Seconds for scoring (all batches, committed).
        public var scoringSeconds: Double
        /// Seconds for COPYing `ledgerRows` rows.
        public var copySeconds: Double
        /// CPU spent scoring (this process and the PostgreSQL server).
        public var cpu: BenchmarkCPU
        /// CPU spent on the COPY.
        public var copyCPU: BenchmarkCPU

        /// Scored events per second.
        public var eventsPerSecond: Double { Double(events) / scoringSeconds }
        /// Ledger rows per second through scoring.
        public var scoredRowsPerSecond: Double { Double(ledgerRows) / scoringSeconds }
        /// Rows per second through COPY.
        public var copyRowsPerSecond: Double { Double(ledgerRows) / copySeconds }

        /// The report printed by `scoring bench`.
        public var description: String {
            """
            scored: \(events) events -> \(ledgerRows) ledger rows + outbox in \(String(format: "%.2f", scoringSeconds)) s \
            = \(Int(eventsPerSecond)) events/s (\(Int(scoredRowsPerSecond)) ledger rows/s)
            copy:   \(ledgerRows) ledger rows in \(String(format: "%.2f", copySeconds)) s = \(Int(copyRowsPerSecond)) rows/s
            ratio:  COPY is \(String(format: "%.1f", copyRowsPerSecond / scoredRowsPerSecond))x the scored ledger-row rate; \
            events/s / COPY rows/s = \(String(format: "%.3f", eventsPerSecond / copyRowsPerSecond))
            \(cpu.report(per: events, unit: "event", copy: copyCPU, copyRows: ledgerRows))
            """
        }
    }

    /// Runs both measurements with `rulebook`.
    public func run(rulebook: Rulebook) async throws -> Result {
        try await pool.migrate(schema: schema, migrations: ScoringSchema.migrations)
        let scorer = Scorer(engine: RuleEngine(rulebook: rulebook), ledger: Ledger(schema: schema))
        let outbox = Outbox(schema: schema), offsets = OffsetStore(schema: schema, group: "bench")
        let partition = KafkaTopicPartition(topic: Topics.eventsAccepted, partition: 0)
        let payloads = try SyntheticEvents(subjects: subjects).events(count: events, seed: 7).map { try MessageCoding.encodeBytes($0) }
        let clock = ContinuousClock()
        let cpuBefore = try await BenchmarkCPU.sample(pool)
        let scoring = try await clock.measure {
            for start in stride(from: 0, to: payloads.count, by: batchSize) {
                let batch = Array(payloads[start..<min(start + batchSize, payloads.count)])
                let next = Int64(start + batch.count)
                try await pool.withTransaction { connection in
                    // As the PipelineConsumer's batch: no wait for the WAL flush, ScoringHandler.handle's
                    // decode and score, then the outbox and offsets.
                    try connection.commitWithoutWaitingForFlush()
                    let events = try batch.map { try MessageCoding.decode(AcceptedEvent.self, from: $0) }
                    try outbox.enqueue(try scorer.score(events, payloads: batch, on: connection), on: connection)
                    try offsets.save([partition: next], on: connection)
                }
            }
        }
        let cpu = try await BenchmarkCPU.sample(pool).since(cpuBefore)
        let schema = schema
        let rows = try await pool.withTransaction { connection in
            try connection.query("SELECT \(unsafeRaw: Ledger.columns) FROM \(identifier: schema).ledger l ORDER BY seq")
                .map { try Ledger.entry(from: $0) }
        }
        try await pool.execute("CREATE TABLE \(identifier: schema).copy_target (LIKE \(identifier: schema).ledger INCLUDING ALL)")
        let copyCPUBefore = try await BenchmarkCPU.sample(pool)
        let started = clock.now
        _ = try await pool.withTransaction { connection -> Int in
            try connection.copy(into: "copy_target", schema: schema, columns: Self.copyColumns) { (writer: inout PostgresCopyWriter) in
                for entry in rows { try Self.write(entry, to: &writer) }
            }
        }
        let copy = clock.now - started
        let copyCPU = try await BenchmarkCPU.sample(pool).since(copyCPUBefore)
        return Result(events: events, ledgerRows: rows.count, scoringSeconds: scoring.timeInterval, copySeconds: copy.timeInterval,
                      cpu: cpu, copyCPU: copyCPU)
    }

    static let copyColumns = ["entry_id", "subject", "scheme", "agency", "event_id", "kind", "rule_id", "rule_version", "cause",
                              "escalation_group", "requested", "delta", "clamped_amount", "points_after", "grade_after", "reason",
                              "occurred_at", "effective_at", "expires_at", "reverses"]

    private static func write(_ entry: LedgerEntry, to writer: inout PostgresCopyWriter) throws {
        writer.append(entry.id)
        writer.append(entry.subject.rawValue)
        writer.append(entry.scheme)
        writer.append(entry.agency)
        writer.append(entry.eventID)
        writer.append(entry.kind.rawValue)
        writer.append(entry.ruleID)
        try writer.append(entry.ruleVersion)
        writer.append(entry.cause.rawValue)
        try writer.append(entry.escalationGroup)
        try writer.append(entry.requested)
        try writer.append(entry.delta)
        try writer.append(entry.clampedAmount)
        try writer.append(entry.pointsAfter)
        try writer.append(entry.gradeAfter)
        writer.append(entry.reason)
        try writer.append(entry.occurredAt)
        try writer.append(entry.effectiveAt)
        try writer.append(entry.expiresAt)
        try writer.append(entry.reverses)
        try writer.endRow()
    }
}
