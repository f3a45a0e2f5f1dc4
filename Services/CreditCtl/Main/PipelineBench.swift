import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import Logging

/// `creditctl bench pipeline` (the default of `creditctl bench`): the end-to-end benchmark of
/// issue 8 on private stacks; prints a table and writes `.run/bench/latest.json`.
struct PipelineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "End-to-end benchmark: limits, throughput, latency, cost growth, checks (issue 8).",
        discussion: """
            Each repetition starts its own stack: a fresh database (on a private PostgreSQL cluster, or on \
            --database-url), a fresh dev broker (or a private cluster of the broker at --broker-control) and the \
            four services as processes. Build with `swift build -c release` for real numbers.
            """)

    @Option(help: "Subjects in the population.")
    var subjects: Int?
    @Option(help: "Events per throughput run.")
    var events: Int?
    @Option(help: "Warm-up events before each repetition.")
    var warmup: Int?
    @Option(help: "Measured repetitions.")
    var repetitions: Int?
    @Option(help: "Seconds of each latency run.")
    var latencySeconds: Double?
    @Option(help: "Events/s the latency runs take 50 % and 80 % of (default: each repetition's measured throughput); fixed, it compares builds at the same offered load.")
    var fullLoadRate: Double?
    @Option(help: "Milliseconds between the latency runs' batches of agency events (default: 40).")
    var publishIntervalMs: Int?
    @Option(help: "Seed of the population and the events.")
    var seed: UInt64 = 7
    @Option(help: "Partitions of each pipeline topic (default: 1).")
    var partitions: Int?
    @Option(help: "Partitions of each agency topic (default: 1).")
    var agencyPartitions: Int?
    @Option(help: "Events the warm-up and the throughput run may publish ahead of what scoring and sanctions committed (default: 6000).")
    var backlogWindow: Int?
    @Flag(help: "Also time the first hop (publication → accepted event produced by ingest); the collector then consumes every accepted event too.")
    var splitHops = false
    @Flag(help: "Also measure cost growth: the throughput run at 10,000 and at 1,000,000 subjects.")
    var growth = false
    @Flag(help: "Small sizes for tests and smoke runs.")
    var quick = false
    @Option(help: "A PostgreSQL server to create the databases on (default: start a private cluster).")
    var databaseURL: String?
    @Option(help: "Control API of a running dev broker to take private clusters from (default: start a broker per stack).")
    var brokerControl: String?
    @Option(help: "Directory of the executables (default: this one's).")
    var binDir: String?
    @Option(help: "Where stacks and the report go.")
    var runDirectory = ".run/bench"
    @Flag(help: "Keep each stack's database and files.")
    var keep = false

    func validate() throws {
        try validatePartitionOptions([("--partitions", partitions), ("--agency-partitions", agencyPartitions)])
        if let fullLoadRate, !(fullLoadRate > 0) {
            throw ValidationError("--full-load-rate must be a positive number of events/s, got \(fullLoadRate)")
        }
        if let publishIntervalMs, !(1...1_000).contains(publishIntervalMs) {
            throw ValidationError("--publish-interval-ms must be 1 to 1000, got \(publishIntervalMs)")
        }
        if let backlogWindow, backlogWindow < 1 {
            throw ValidationError("--backlog-window must be at least 1, got \(backlogWindow)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "creditctl.bench.pipeline")
        logger.logLevel = .error
        var options = quick ? PipelineBenchmark.Options.quickSizes : PipelineBenchmark.Options()
        if let subjects { options.subjects = subjects }
        if let events { options.events = events }
        if let warmup { options.warmupEvents = warmup }
        if let repetitions { options.repetitions = repetitions }
        if let latencySeconds { options.latencySeconds = latencySeconds }
        options.fullLoadRate = fullLoadRate
        if let publishIntervalMs { options.publishInterval = .milliseconds(publishIntervalMs) }
        options.partitions = partitions
        options.agencyPartitions = agencyPartitions
        if let backlogWindow { options.backlogWindow = backlogWindow }
        options.seed = seed
        options.growth = growth
        options.splitHops = splitHops
        options.keep = keep
        let binaries = binDir ?? (Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
            .deletingLastPathComponent().path
        let runDirectory = runDirectory, databaseURL = databaseURL, brokerControl = brokerControl
        let report = try await Interruption.run(
            command: "bench", stopping: "stopping the benchmark's services, brokers and database",
            afterwards: "the interrupted stack's logs stay under \(runDirectory)"
        ) { [options, logger] in
            try await PipelineBenchRun.execute(options: options, databaseURL: databaseURL, brokerControl: brokerControl,
                                               binDirectory: binaries, runDirectory: runDirectory, logger: logger) {
                print($0)
                fflush(nil)  // progress shows at once in a log file too
            }
        }
        print("")
        print(PipelineBenchTable.render(report))
        print("report: \(runDirectory)/latest.json")
        guard report.checks.passed else { throw ExitCode.failure }
    }
}
