import Foundation

/// What `creditctl bench pipeline` writes to `.run/bench/latest.json` (keys in snake case):
/// the limits, throughput, latency and growth medians with their spread, every repetition's
/// values, the checks, retention, the machine and the parameters.
public struct PipelineBenchReport: Codable, Sendable {
    /// `pipeline-bench/1`.
    public var schema = "pipeline-bench/1"
    /// When the run started (RFC 3339).
    public var startedAt: String
    /// Where it ran.
    public var machine: MachineInfo
    /// How it ran.
    public var parameters: PipelineBenchParameters
    /// Raw limits of the same run.
    public var limits: Limits
    /// End-to-end throughput.
    public var throughput: Throughput
    /// Latency at 50 % and 80 % of the measured maximum.
    public var latency: Latency
    /// Cost growth with the population (with `--growth`).
    public var growth: Growth?
    /// Whether every event was accounted for.
    public var checks: Checks
    /// Broker retention: partitions, and any truncated partition.
    public var retention: Retention
    /// Every measured repetition.
    public var repetitions: [Repetition]

    /// Limits (medians over the repetitions).
    public struct Limits: Codable, Sendable {
        /// COPY rows/s of the event and ledger rows together (rows / seconds of both COPYs).
        public var copyRowsPerS: Double
        /// COPY rows/s of the event rows (`ingest.events`).
        public var copyEventRowsPerS: Double
        /// COPY rows/s of the ledger rows (`scoring.ledger`).
        public var copyLedgerRowsPerS: Double
        /// Messages/s produced to the broker.
        public var kafkaProduceMsgsPerS: Double
        /// Messages/s consumed from the broker.
        public var kafkaConsumeMsgsPerS: Double
        /// Spread of `copy_rows_per_s` over the repetitions.
        public var copyRowsPerSSpread: Spread
    }

    /// Throughput (medians over the repetitions).
    public struct Throughput: Codable, Sendable {
        /// Events/s from the agency topics to committed ledger rows.
        public var eventsPerS: Double
        /// Events/s from the agency topics to every decision published.
        public var eventsPerSToDecisions: Double
        /// `events_per_s / limits.copy_rows_per_s`.
        public var ratioToCopy: Double
        /// Spread of `events_per_s`.
        public var eventsPerSSpread: Spread
        /// Spread of `events_per_s_to_decisions`.
        public var eventsPerSToDecisionsSpread: Spread
        /// The target of issue 8: `ratio_to_copy >= 0.25`.
        public var meetsTarget: Bool
        /// Where the CPU went during the throughput runs (medians per part), in cores.
        public var cpu: CPUShares?
        /// Rows inserted per event in the throughput runs, over every table (median); issue 8's
        /// target takes about four.
        public var rowsInsertedPerEvent: Double?
        /// Rows updated per event (median).
        public var rowsUpdatedPerEvent: Double?
        /// Rows deleted per event (median): published outbox rows.
        public var rowsDeletedPerEvent: Double?
        /// Median over the repetitions of their COPY rows/s divided by their rows inserted per event:
        /// the events/s at which COPY alone would insert the same rows.
        public var copyLimitEventsPerS: Double?
        /// `events_per_s / copy_limit_events_per_s`.
        public var ratioToCopyLimitEvents: Double?
    }

    /// Latency (medians over the repetitions).
    public struct Latency: Codable, Sendable {
        /// p99 publication → score change at 50 % load, ms.
        public var p99MsAt50pct: Double
        /// p99 publication → score change at 80 % load, ms.
        public var p99MsAt80pct: Double
        /// The run at 50 %.
        public var at50pct: LoadLevel
        /// The run at 80 %.
        public var at80pct: LoadLevel
        /// The target of issue 8: `p99_ms_at_50pct <= 50`.
        public var meetsTarget: Bool

        enum CodingKeys: String, CodingKey {
            case p99MsAt50pct = "p99_ms_at_50pct"
            case p99MsAt80pct = "p99_ms_at_80pct"
            case at50pct = "at_50pct"
            case at80pct = "at_80pct"
            case meetsTarget = "meets_target"
        }
    }

    /// Latency at one load level, medians over the repetitions.
    public struct LoadLevel: Codable, Sendable {
        /// Offered events/s.
        public var targetEventsPerS: Double
        /// Publication → score change.
        public var scoreChange: LatencySummary
        /// Publication → the score change handed to scoring's producer (the rest is the last hop).
        public var scoreChangeProduced: LatencySummary
        /// Publication → the accepted event handed to ingest's producer (with `--split-hops`).
        public var eventAcceptedProduced: LatencySummary?
        /// Publication → decision.
        public var decision: LatencySummary
        /// Spread of the score-change p99.
        public var scoreChangeP99Spread: Spread
        /// Where the CPU went during these runs (medians per part), in cores.
        public var cpu: CPUShares?
    }

    /// Throughput and memory at two population sizes.
    public struct Growth: Codable, Sendable {
        /// One size.
        public struct Point: Codable, Sendable {
            /// Subjects in the population.
            public var subjects: Int
            /// Events/s to committed ledger rows.
            public var eventsPerS: Double
            /// Resident memory per service after the run.
            public var memory: [String: ProcessMemory]
        }
        /// The smaller population.
        public var small: Point
        /// The larger population.
        public var large: Point
        /// `large.events_per_s / small.events_per_s` (1 = flat).
        public var eventsPerSRatio: Double
        /// Peak RSS large / small per service (1 = flat).
        public var peakRSSRatio: [String: Double]
    }

    /// The end-of-run checks of every repetition.
    public struct Checks: Codable, Sendable {
        /// True when every check of every repetition passed.
        public var passed: Bool
        /// The failures (`rep N: name: detail`); empty when passed.
        public var failures: [String]
    }

    /// Broker retention.
    public struct Retention: Codable, Sendable {
        /// Partitions of each pipeline topic.
        public var partitions: Int
        /// Partitions of each agency topic.
        public var agencyPartitions: Int
        /// The dev broker's limit per partition.
        public var bytesPerPartitionLimit: Int
        /// Estimated bytes per pipeline partition that must stay unread-and-kept at once: the
        /// backlog window (older, already consumed messages may be dropped without loss).
        public var estimatedBytesPerPartition: Int
        /// Partitions whose log start moved above 0 (`topic/partition@log_start`), any repetition.
        public var truncated: [String]
        /// Whether truncation lost a message before it was consumed (the checks say so too).
        public var lostMessages: Bool
    }
}

/// How the benchmark ran.
public struct PipelineBenchParameters: Codable, Sendable {
    /// Subjects in the population.
    public var subjects: Int
    /// Events per measured throughput run.
    public var events: Int
    /// Events of the warm-up before each repetition.
    public var warmupEvents: Int
    /// Measured repetitions.
    public var repetitions: Int
    /// Seconds of each latency run.
    public var latencySeconds: Double
    /// Milliseconds between the latency runs' batches of agency events (nil in reports made
    /// before it was a parameter, when it was 10).
    public var publishIntervalMs: Int?
    /// The generator's seed.
    public var seed: UInt64
    /// Quick (smoke) sizes.
    public var quick: Bool
    /// Whether growth was measured.
    public var growth: Bool
    /// Population sizes of the growth runs.
    public var growthSubjects: [Int]
    /// Events the throughput run may publish ahead of what the pipeline absorbed.
    public var backlogWindow: Int
    /// The build configuration of the executables (`debug` or `release`).
    public var build: String
    /// The full-load rate the latency runs took their 50 % and 80 % of, when given instead of
    /// each repetition's measured throughput (to compare builds at the same offered load).
    public var fullLoadRate: Double?
    /// Whether the latency runs also timed the first hop (`--split-hops`), which adds a consumer
    /// of every accepted event to the machine.
    public var splitHops: Bool?
}

/// The machine.
public struct MachineInfo: Codable, Sendable {
    /// Host name.
    public var hostname: String
    /// Online processors.
    public var cpus: Int
    /// CPU model (from /proc/cpuinfo).
    public var cpuModel: String
    /// Physical memory, bytes.
    public var memoryBytes: UInt64
    /// Operating system version.
    public var os: String

    /// This machine.
    public static func current() -> MachineInfo {
        let info = ProcessInfo.processInfo
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return MachineInfo(hostname: info.hostName, cpus: info.activeProcessorCount, cpuModel: model,
                           memoryBytes: info.physicalMemory, os: info.operatingSystemVersionString)
    }
}

/// One measured repetition on its own fresh stack.
public struct Repetition: Codable, Sendable {
    /// 1-based.
    public var index: Int
    /// Subjects in its population.
    public var subjects: Int
    /// Events of the throughput run.
    public var events: Int
    /// Messages/s produced (raw limit).
    public var kafkaProduceMsgsPerS: Double
    /// Messages/s consumed (raw limit).
    public var kafkaConsumeMsgsPerS: Double
    /// COPY of the event rows.
    public var copyEvents: CopyLimit.Result
    /// COPY of the ledger rows.
    public var copyLedger: CopyLimit.Result
    /// Both COPYs: rows / seconds.
    public var copyRowsPerS: Double
    /// The throughput run.
    public var throughput: ThroughputResult
    /// The latency run at 50 % of `throughput.events_per_s`.
    public var latencyAt50pct: LatencyRun?
    /// The latency run at 80 %.
    public var latencyAt80pct: LatencyRun?
    /// Memory per service after the throughput run.
    public var memory: [String: ProcessMemory]
    /// CPU seconds per service during the throughput run (from `cpu_during_throughput`).
    public var cpuSeconds: [String: Double]
    /// Where the CPU went during the throughput run, in cores.
    public var cpuDuringThroughput: CPUShares?
    /// The checks at the end of the repetition.
    public var checks: [CheckResult]
    /// Truncated partitions (`topic/partition@log_start`).
    public var truncated: [String]

    enum CodingKeys: String, CodingKey {
        case index, subjects, events, kafkaProduceMsgsPerS, kafkaConsumeMsgsPerS, copyEvents, copyLedger, copyRowsPerS
        case throughput
        case latencyAt50pct = "latency_at_50pct"
        case latencyAt80pct = "latency_at_80pct"
        case memory, cpuSeconds, cpuDuringThroughput, checks, truncated
    }
}

/// One latency run.
public struct LatencyRun: Codable, Sendable {
    /// Offered events/s.
    public var targetEventsPerS: Double
    /// Events/s the publisher achieved.
    public var publishedEventsPerS: Double
    /// The latencies.
    public var result: LatencyResult
    /// Where the CPU went while the run was published and drained, in cores.
    public var cpu: CPUShares?
    /// The same for each whole second of the run, in order (nil in reports made before it was
    /// recorded).
    public var cpuBySecond: [CPUShares]?
    /// The tables autovacuum vacuumed or analyzed during the run (`scoring.balances (analyze)`):
    /// its work shares the machine with the pipeline, so a slow second may be one of these (nil
    /// in reports made before it was recorded).
    public var autovacuumed: [String]?
}

/// One throughput run: events/s from the agency topics to committed ledger rows and to
/// decisions, timed from the first event ingest committed.
public struct ThroughputResult: Codable, Sendable {
    /// Events of the run.
    public var events: Int
    /// Events/s through ingest (committed event rows).
    public var ingestEventsPerS: Double
    /// Events/s to committed ledger rows (scoring committed every accepted event).
    public var eventsPerS: Double
    /// Events/s to decisions (sanctions committed every score change and published its outbox).
    public var eventsPerSToDecisions: Double
    /// Seconds from the first ingest commit to the last ledger commit.
    public var secondsToLedger: Double
    /// Seconds from the first ingest commit to the decisions.
    public var secondsToDecisions: Double
    /// Events/s the publisher offered (unpaced).
    public var publishedEventsPerS: Double
    /// The rows the run wrote, per table (nil in reports made before it was recorded).
    public var rowsWritten: RowsWritten?
}

/// One end-of-run check.
public struct CheckResult: Codable, Sendable, Hashable {
    /// What was checked.
    public var name: String
    /// Whether it held.
    public var passed: Bool
    /// The numbers behind it.
    public var detail: String
}

extension PipelineBenchReport {
    /// The JSON (snake-case keys, sorted, pretty).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
