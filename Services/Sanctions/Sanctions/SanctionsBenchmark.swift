import CreditModel
import Foundation
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import ServiceSupport

/// The sanctions benchmark: messages per second through the consumer's batch path — decode,
/// apply the policies (`SanctionsHandler.handle`), enqueue the outgoing decisions and notices,
/// store offsets, commit — beside a raw `COPY` of the rows that run wrote (same tables' shapes,
/// same database, same run).
///
/// The input is a reproducible stream like the pipeline's: `score-change/1` on the citizen
/// scheme for a pool of persons whose points random-walk across the grade thresholds, and
/// every tenth message an `accepted-event/1` (`court.order_ignored`, sometimes
/// `court.order_complied`) that opens or lifts a dishonest-debtor case.
public struct SanctionsBenchmark: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// A schema created for the run (left in place for inspection).
    public let schema: String
    /// Messages consumed.
    public let messages: Int
    /// Messages per transaction (the consumer's `maxBatch`).
    public let batchSize: Int

    /// Creates a run.
    public init(pool: PostgresPool, schema: String, messages: Int = 20_000, batchSize: Int = 2000) {
        self.pool = pool
        self.schema = schema
        self.messages = messages
        self.batchSize = batchSize
    }

    /// The measurements.
    public struct Result: Sendable, CustomStringConvertible {
        /// Messages consumed.
        public var messages: Int
        /// Rows the run left in the sanctions tables (processed ids, conditions, cases, transitions).
        public var rows: Int
        /// Seconds for consuming (all batches, committed).
        public var seconds: Double
        /// Seconds for COPYing `rows` rows.
        public var copySeconds: Double
        /// CPU spent consuming (this process and the PostgreSQL server).
        public var cpu: BenchmarkCPU
        /// CPU spent on the COPY.
        public var copyCPU: BenchmarkCPU

        /// Messages per second.
        public var messagesPerSecond: Double { Double(messages) / seconds }
        /// Rows per second through COPY.
        public var copyRowsPerSecond: Double { Double(rows) / copySeconds }

        /// The report printed by `sanctions bench`.
        public var description: String {
            """
            consumed: \(messages) messages -> \(rows) rows + outbox in \(String(format: "%.2f", seconds)) s \
            = \(Int(messagesPerSecond)) messages/s
            copy:     \(rows) rows in \(String(format: "%.2f", copySeconds)) s = \(Int(copyRowsPerSecond)) rows/s
            ratio:    messages/s / COPY rows/s = \(String(format: "%.3f", messagesPerSecond / copyRowsPerSecond))
            \(cpu.report(per: messages, unit: "message", copy: copyCPU, copyRows: rows))
            """
        }
    }

    /// The tables whose rows the COPY baseline writes again.
    static let tables = ["processed_messages", "policy_conditions", "cases", "case_transitions"]

    /// Runs both measurements with `rulebook`.
    public func run(rulebook: Rulebook) async throws -> Result {
        try await SanctionsService.migrate(schema: schema, pool: pool)
        let topics = SanctionsTopics()
        let engine = CaseEngine(policies: PolicyEvaluator(rulebook: rulebook), store: CaseStore(schema: schema),
                                messages: CaseMessages())
        let handler = SanctionsHandler(engine: engine, topics: topics, clock: SystemWallClock(), logger: .init(label: "bench"))
        let outbox = Outbox(schema: schema), offsets = OffsetStore(schema: schema, group: "bench")
        let input = try Self.stream(count: messages, rulebook: rulebook, topics: topics)
        let clock = ContinuousClock()
        let cpuBefore = try await BenchmarkCPU.sample(pool)
        let consuming = try await clock.measure {
            for start in stride(from: 0, to: input.count, by: batchSize) {
                let batch = Array(input[start..<min(start + batchSize, input.count)])
                try await pool.withTransaction { connection in
                    // As PipelineConsumer.apply: the handler, then the outbox and the offsets.
                    try outbox.enqueue(try handler.handle(batch, on: connection), on: connection)
                    try offsets.save(PipelineConsumer<SanctionsHandler>.nextOffsets(batch), on: connection)
                }
            }
        }
        let cpu = try await BenchmarkCPU.sample(pool).since(cpuBefore)
        let (rows, copy, copyCPU) = try await copyBaseline()
        return Result(messages: input.count, rows: rows, seconds: consuming.timeInterval, copySeconds: copy.timeInterval,
                      cpu: cpu, copyCPU: copyCPU)
    }

    /// Reads the run's rows as text and COPYs them into empty tables of the same shape; returns
    /// the row count, the COPY time and its CPU.
    private func copyBaseline() async throws -> (Int, Duration, BenchmarkCPU) {
        let schema = schema
        var contents: [(table: String, columns: [String], rows: [[String?]])] = []
        for table in Self.tables {
            let columns = try await pool.query("""
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = \(schema) AND table_name = \(table) AND is_identity = 'NO' ORDER BY ordinal_position
                """).map { try $0.decode(String.self, at: 0) }
            let select = columns.map { PostgresQuery.quoteIdentifier($0) + "::text" }.joined(separator: ", ")
            let rows = try await pool.query("SELECT \(unsafeRaw: select) FROM \(identifier: schema).\(identifier: table)")
                .map { row in try columns.indices.map { try row.decode(String?.self, at: $0) } }
            try await pool.execute("""
                CREATE TABLE \(identifier: schema).\(identifier: "copy_" + table) (LIKE \(identifier: schema).\(identifier: table) INCLUDING ALL)
                """)
            contents.append((table, columns, rows))
        }
        let clock = ContinuousClock()
        let cpuBefore = try await BenchmarkCPU.sample(pool)
        let started = clock.now
        try await pool.withTransaction { connection in
            for (table, columns, rows) in contents {
                _ = try connection.copy(into: "copy_" + table, schema: schema, columns: columns) { (writer: inout PostgresCopyWriter) in
                    for row in rows {
                        for value in row { try writer.append(value) }
                        try writer.endRow()
                    }
                }
            }
        }
        let elapsed = clock.now - started
        return (contents.map(\.rows.count).reduce(0, +), elapsed, try await BenchmarkCPU.sample(pool).since(cpuBefore))
    }

    /// The input messages, as the consumer would receive them.
    static func stream(count: Int, rulebook: Rulebook, topics: SanctionsTopics) throws -> [KafkaMessage] {
        guard let scheme = rulebook.scheme("citizen") else { throw BenchmarkError.noCitizenScheme }
        var rng = SplitMix64(seed: 11)
        let subjects = (0..<500).map { _ in SubjectCode.randomPerson(using: &rng) }
        var points = Dictionary(uniqueKeysWithValues: subjects.map { ($0, scheme.initialPoints) })
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        var result: [KafkaMessage] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let subject = subjects[Int.random(in: 0..<subjects.count, using: &rng)]
            let time = start.addingTimeInterval(Double(index) * 60)
            let topic: String
            let payload: Data
            if index % 10 == 9 {
                let kind: EventKind = Int.random(in: 0..<4, using: &rng) == 0 ? "court.order_complied" : "court.order_ignored"
                let event = AgencyEvent(eventID: "b\(index)", subject: subject, kind: kind, occurredAt: time)
                topic = topics.acceptedEvents
                payload = try MessageCoding.encode(AcceptedEvent(event: event, agency: "court", receivedAt: time,
                                                                 source: .kafka(topic: "agency.court.events", partition: 0,
                                                                                offset: Int64(index))))
            } else {
                let before = points[subject] ?? scheme.initialPoints
                // Drift down a little so subjects cross into C and D and back.
                let after = min(scheme.maximum, max(scheme.minimum, before + Int.random(in: -60...45, using: &rng)))
                points[subject] = after
                let change = ScoreChange(agency: "court", eventID: "b\(index)", subject: subject, kind: "court.order_ignored",
                                         scheme: scheme.id, ruleID: "bench", ruleVersion: 1, delta: after - before,
                                         pointsAfter: after, gradeAfter: scheme.grade(for: after), reason: "benchmark",
                                         occurredAt: time)
                topic = topics.scoreChanges
                payload = try MessageCoding.encode(change)
            }
            result.append(KafkaMessage(topic: topic, partition: 0, offset: Int64(index), key: Array(subject.rawValue.utf8),
                                       value: Array(payload)))
        }
        return result
    }

    /// Why the benchmark cannot run.
    enum BenchmarkError: Error {
        /// The rulebook has no `citizen` scheme to drive.
        case noCitizenScheme
    }

}
