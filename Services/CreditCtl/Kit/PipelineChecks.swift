import CreditModel
import KafkaClient

/// The end-of-run checks: every event accounted for and committed once, nothing left in the
/// outboxes, no dead letters, no consumer lag, and which partitions the broker truncated.
public struct PipelineChecks: Sendable {
    /// The probe.
    public let probe: PipelineProbe
    /// The topology.
    public let topology: PipelineTopology

    /// Checks over `probe`.
    public init(probe: PipelineProbe, topology: PipelineTopology) {
        self.probe = probe
        self.topology = topology
    }

    /// What the checks found.
    public struct Outcome: Sendable {
        /// Each check.
        public var checks: [CheckResult]
        /// Partitions whose log start is above 0 (`topic/partition@log_start`).
        public var truncated: [String]
        /// Whether every check passed.
        public var passed: Bool { checks.allSatisfy(\.passed) }
    }

    /// Waits (up to `timeout`) until every consumer is at the high watermark of every topic it
    /// reads and every outbox is empty, and stays so for `calm`: the tail of the flow (notices,
    /// receipts) settles after the decisions, and notification's delivery worker turns recorded
    /// notices into receipts on its own schedule (every 250 ms), so one quiet look is not
    /// enough. Returns whether it settled; the checks say what did not.
    public func settle(timeout: Duration = .seconds(60), calm: Duration = .seconds(2)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        var quietSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            var marks: [String: [Int32: (low: Int64, high: Int64)]] = [:]
            for topic in topology.allTopics { marks[topic] = try await probe.watermarks(topic) }
            var quiet = true
            for consumer in topology.consumers where quiet {
                let lag = try await lag(of: consumer, marks: marks)
                quiet = lag.total == 0
                if quiet { quiet = await probe.outbox(consumer.schema) == 0 }
            }
            if quiet {
                let since = quietSince ?? .now
                if ContinuousClock.now - since >= calm { return true }
                quietSince = since
            } else {
                quietSince = nil
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Messages `consumer` has not committed, and the partitions they are on.
    private func lag(of consumer: PipelineTopology.Consumer,
                     marks: [String: [Int32: (low: Int64, high: Int64)]]) async throws -> (total: Int64, partitions: [String]) {
        let offsets = try await probe.storedOffsets(consumer.schema)
        var total: Int64 = 0
        var lagging: [String] = []
        for topic in consumer.topics {
            for (partition, mark) in (marks[topic] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let behind = mark.high - (offsets[KafkaTopicPartition(topic: topic, partition: partition)] ?? 0)
                if behind != 0 {
                    total += behind
                    lagging.append("\(topic)/\(partition)")
                }
            }
        }
        return (total, lagging)
    }

    /// Runs the checks after `published` distinct events were published in total (call
    /// `settle()` first).
    public func run(published: Int) async throws -> Outcome {
        var checks: [CheckResult] = []
        func check(_ name: String, _ passed: Bool, _ detail: String) {
            checks.append(CheckResult(name: name, passed: passed, detail: detail))
        }
        let stored = try await probe.count("ingest", "events")
        let distinct = try await probe.pool.query("SELECT count(DISTINCT (agency, event_id)) FROM ingest.events")
            .first?.decode(Int.self, at: 0) ?? 0
        check("ingest stored every event once", stored == published && distinct == published,
              "\(published) published, \(stored) rows, \(distinct) distinct (agency, event_id)")
        let scored = try await probe.count("scoring", "accepted_events")
        check("scoring consumed every accepted event once", scored == published, "\(published) published, \(scored) consumed")
        let ledger = try await probe.count("scoring", "ledger")
        check("ledger rows committed", ledger > 0, "\(ledger) ledger rows")
        for consumer in topology.consumers {
            let outbox = await probe.outbox(consumer.schema)
            check("\(consumer.schema) outbox empty", outbox == 0, "\(outbox) rows left")
            let dead = try await probe.count(consumer.schema, consumer.deadLetters)
            let samples = dead == 0 ? [] : try await probe.samples(consumer.schema, consumer.deadLetters)
            check("\(consumer.schema) no dead letters", dead == 0,
                  "\(dead) rows in \(consumer.deadLetters)" + (samples.isEmpty ? "" : ", e.g. " + samples.joined(separator: "; ")))
        }
        var truncated: [String] = []
        var marks: [String: [Int32: (low: Int64, high: Int64)]] = [:]
        for topic in topology.allTopics {
            let topicMarks = try await probe.watermarks(topic)
            marks[topic] = topicMarks
            for (partition, mark) in topicMarks.sorted(by: { $0.key < $1.key }) where mark.low > 0 {
                truncated.append("\(topic)/\(partition)@\(mark.low)")
            }
        }
        for consumer in topology.consumers {
            let lag = try await lag(of: consumer, marks: marks)
            check("\(consumer.schema) consumer lag zero", lag.total == 0,
                  lag.total == 0 ? "every stored offset at the high watermark"
                      : "\(lag.total) behind on \(lag.partitions.prefix(5).joined(separator: ", "))")
        }
        return Outcome(checks: checks, truncated: truncated)
    }
}
