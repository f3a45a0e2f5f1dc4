import CreditModel
import Foundation
import KafkaClient
import Logging
import PostgresClient

/// `creditctl bench pipeline` (issue 8): on private stacks (fresh database, fresh dev broker,
/// the four services as processes), per repetition: the raw Kafka limits, a warm-up, the
/// throughput of a preloaded run from the agency topics to committed ledger rows and to
/// decisions, the raw COPY limit of the event and ledger rows that run wrote, latency at 50 %
/// and 80 % of the maximum throughput (to decisions), and the end-of-run checks. Optionally
/// the same throughput run at two population sizes (cost growth). Returns the report; the
/// caller prints and saves it.
public struct PipelineBenchmark: Sendable {
    /// What to run.
    public struct Options: Sendable {
        /// Subjects in the population.
        public var subjects = 100_000
        /// Events per throughput run.
        public var events = 200_000
        /// Events of each repetition's warm-up.
        public var warmupEvents = 20_000
        /// Measured repetitions (each on a fresh stack).
        public var repetitions = 3
        /// Seconds of each latency run.
        public var latencySeconds = 20.0
        /// How often the latency runs hand the agencies' due events to the producer (see
        /// ``EventPublisher/interval``). The dev broker answers a fetch with one message set per
        /// partition, found by walking the partition's list of sets from the oldest: each batch
        /// costs ingest's fetches a walk per agency topic, over a list that grows through the run.
        /// At 10 ms that was the largest cost of the load generator, not of the pipeline: at a
        /// paced 2,500 events/s the broker used 0.26 and 0.25 cores against 0.11 and 0.10 at
        /// 40 ms, the machine 1.69 and 1.58 against 1.34 and 1.21, and the score-change p99
        /// grew through each run (51 to 184 ms by second) instead of staying flat (p99 103.4 and
        /// 85.0 ms against 69.6 and 65.5). Apache Kafka finds a set by an offset index.
        public var publishInterval: Duration = .milliseconds(40)
        /// The rate (events/s) the latency runs take 50 % and 80 % of; nil: each repetition's
        /// measured throughput to decisions. Fixing it compares two builds at the same offered
        /// load: a build with a higher maximum is otherwise measured at a higher rate.
        public var fullLoadRate: Double?
        /// Also time the first hop: publication → the accepted event handed to ingest's
        /// producer. The collector then consumes every accepted event too, on the same cores.
        public var splitHops = false
        /// Partitions of each pipeline topic; nil: ``PipelineBenchmark/defaultPartitions``.
        public var partitions: Int?
        /// Partitions of each agency topic; nil: ``PipelineBenchmark/defaultPartitions``.
        public var agencyPartitions: Int?
        /// The warm-up and the throughput run publish at most this many events ahead of what
        /// scoring and sanctions committed (the pipeline sets the pace; the dev broker's
        /// retention then needs to hold only this much per topic, not the whole run: 6,000
        /// events of at most 650 B are 3.8 MiB, within the 5 MiB of one partition).
        public var backlogWindow = 6_000
        /// Messages of each Kafka limit measurement.
        public var kafkaLimitMessages = 200_000
        /// The generator's seed.
        public var seed: UInt64 = 7
        /// Also measure cost growth at `growthSubjects`.
        public var growth = false
        /// The two population sizes of the growth runs.
        public var growthSubjects = [10_000, 1_000_000]
        /// Smoke sizes.
        public var quick = false
        /// Keep each stack's database and files.
        public var keep = false

        /// The full-size defaults of issue 8.
        public init() {}

        /// Sizes for tests and smoke runs: seconds, not minutes.
        public static var quickSizes: Options {
            var options = Options()
            options.subjects = 2_000
            options.events = 3_000
            options.warmupEvents = 300
            options.repetitions = 2
            options.latencySeconds = 2
            options.kafkaLimitMessages = 5_000
            options.backlogWindow = 500  // smaller than the run: publication waits for the pipeline
            options.growthSubjects = [500, 5_000]
            options.quick = true
            return options
        }
    }

    /// What to run.
    public let options: Options
    /// Where to run it.
    public let infrastructure: BenchInfrastructure
    /// The agency registry.
    public let registry: AgencyRegistry
    /// The rulebook (its state policies trace decisions back to events).
    public let rulebook: Rulebook
    /// librdkafka and PostgreSQL logs.
    public let logger: Logger
    /// Progress lines.
    public let say: @Sendable (String) -> Void

    /// A benchmark of `options` on `infrastructure`.
    public init(options: Options, infrastructure: BenchInfrastructure, registry: AgencyRegistry, rulebook: Rulebook,
                logger: Logger, say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.infrastructure = infrastructure
        self.registry = registry
        self.rulebook = rulebook
        self.logger = logger
        self.say = say
    }

    /// The dev broker's retention per partition (about 5 MiB) and the bytes one event leaves on
    /// the busiest topic (a `score-change/1` or `accepted-event/1` with record overhead): the
    /// backlog window must fit in it.
    public static let retentionBytes = 5 << 20
    /// See ``retentionBytes``.
    public static let bytesPerEvent = 650
    /// How long the table counters are left to settle before they are read (``RowsWritten``): a
    /// backend that goes idle within a second of its last report holds the rest for 10 s
    /// (`PGSTAT_IDLE_INTERVAL`). Read after 1.5 s, a quick run's counters missed a third of
    /// the throughput run's rows.
    static let statisticsDelay = Duration.seconds(11)

    /// The partitions of the topics in this run.
    var partitionCount: TopicPartitions {
        TopicPartitions(agency: options.agencyPartitions ?? Self.defaultPartitions.agency,
                        pipeline: options.partitions ?? Self.defaultPartitions.pipeline)
    }

    /// Partitions unless told. Each service runs one consumer, so partitions buy no parallelism
    /// here, and on the dev broker each costs: a fetch walks the partition's list of message
    /// batches from the oldest, once per batch, and paced traffic spread over many partitions
    /// makes batches of one message (at 50 % load, 69 % of the broker's CPU was that walk).
    /// With every topic at 8, 4, 2 and 1 partitions, p99 at 50 % load was 606, 381, 168 and 95 ms
    /// and the broker used 0.43, 0.38, 0.29 and 0.18 cores (one repetition each).
    ///
    /// One partition per agency topic still gives ingest eleven, and one per pipeline topic
    /// holds 5 MiB / 650 B = 8,000 unread events within the dev broker's retention: room for the
    /// backlog window (6,000). Two repetitions each, p99 at 50 % load 81.9 and 84.0 ms with one
    /// pipeline partition (the machine 1.72 cores busy), 178.2 and 130.0 ms with two (1.80), at
    /// the same throughput (7,496 and 7,803 events/s against 7,668 and 7,597).
    public static let defaultPartitions = TopicPartitions(agency: 1, pipeline: 1)

    /// Runs everything and returns the report.
    public func run() async throws -> PipelineBenchReport {
        let started = Date()
        let topology = PipelineTopology(agencyIDs: registry.agencies.map(\.id))
        say("population: \(options.subjects) subjects (seed \(options.seed))")
        let population = SyntheticPopulation(count: options.subjects, seed: options.seed)
        var repetitions: [Repetition] = []
        var truncated: [String] = []
        for index in 1...max(1, options.repetitions) {
            say("repetition \(index) of \(options.repetitions): fresh stack")
            let repetition = try await repeatOnce(index, population: population, topology: topology)
            truncated += repetition.truncated.map { "rep \(index): \($0)" }
            repetitions.append(repetition)
            say(Self.summary(of: repetition))
        }
        var finished = repetitions.enumerated().filter { $0.element.checks.allSatisfy(\.passed) }.map { stackName($0.offset + 1) }
        var growth: PipelineBenchReport.Growth?
        if options.growth, options.growthSubjects.count == 2 {
            var points: [PipelineBenchReport.Growth.Point] = []
            for size in options.growthSubjects {
                say("growth: \(size) subjects, fresh stack")
                points.append(try await growthPoint(subjects: size, topology: topology))
                say(String(format: "growth: %d subjects: %.0f events/s", size, points.last!.eventsPerS))
                finished.append(stackName("growth_\(size)"))
            }
            growth = PipelineBenchReport.Growth(small: points[0], large: points[1])
        }
        if !options.keep { removeStackFiles(finished) }
        return PipelineBenchReport.assemble(
            startedAt: started, parameters: parameters, repetitions: repetitions, growth: growth,
            retention: PipelineBenchReport.Retention(
                partitions: partitionCount.pipeline, agencyPartitions: partitionCount.agency,
                bytesPerPartitionLimit: Self.retentionBytes,
                estimatedBytesPerPartition: options.backlogWindow * Self.bytesPerEvent / partitionCount.pipeline,
                truncated: truncated, lostMessages: false))
    }

    private var parameters: PipelineBenchParameters {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return PipelineBenchParameters(subjects: options.subjects, events: options.events, warmupEvents: options.warmupEvents,
                                       repetitions: options.repetitions, latencySeconds: options.latencySeconds,
                                       publishIntervalMs: Int(options.publishInterval / .milliseconds(1)),
                                       seed: options.seed, quick: options.quick, growth: options.growth,
                                       growthSubjects: options.growthSubjects, backlogWindow: options.backlogWindow, build: build,
                                       fullLoadRate: options.fullLoadRate, splitHops: options.splitHops)
    }

    /// One repetition on a fresh stack.
    private func repeatOnce(_ index: Int, population: SyntheticPopulation,
                            topology: PipelineTopology) async throws -> Repetition {
        let limitTopic = "bench.limits"
        let limitPartitions = KafkaLimit.partitions(messages: options.kafkaLimitMessages, size: 200)
        var stack = try await BenchStack.create(stackName(index), on: infrastructure, topics: topology.allTopics,
                                                partitions: partitionCount, extraTopics: [limitTopic: limitPartitions],
                                                logger: logger)
        do {
            let repetition = try await measure(index, stack: &stack, population: population, topology: topology,
                                               limitTopic: limitTopic)
            // A failed check keeps the services' logs (and the database, on a server that outlives the run).
            let failed = !repetition.checks.allSatisfy(\.passed)
            if failed { say("  a check failed: the stack's logs stay in \(stack.directory)/logs") }
            await stack.stop(keep: options.keep || failed, keepFiles: true, logger: logger)
            return repetition
        } catch {
            await stack.stop(keep: true, logger: logger)
            throw error
        }
    }

    /// Removes the run directories of the stacks in `names`, once nothing is measured any more.
    ///
    /// Each stack leaves thousands of mailbox files. On ext4 without a journal (as on this
    /// machine) a new inode skips every inode of its group deleted in the last 60 s (360 s
    /// while the inode table is dirty), reading each. In a profile of a throughput run that
    /// followed such a delete, notification used 0.25 cores, 38 % of them in that scan.
    private func removeStackFiles(_ names: [String]) {
        for name in names {
            try? FileManager.default.removeItem(atPath: "\(infrastructure.runDirectory)/\(name)")
        }
    }

    private func stackName(_ label: Any) -> String {
        "bench_\(ProcessInfo.processInfo.processIdentifier)_\(label)"
    }

    private func measure(_ index: Int, stack: inout BenchStack, population: SyntheticPopulation,
                         topology: PipelineTopology, limitTopic: String) async throws -> Repetition {
        // Limits first, on the quiet broker.
        let kafka = KafkaLimit(bootstrap: stack.bootstrap, messages: options.kafkaLimitMessages, logger: logger)
        let produce = try await kafka.produce(topic: limitTopic)
        let consume = try await kafka.consume(topic: limitTopic)
        say(String(format: "  kafka limits: produce %.0f msgs/s, consume %.0f msgs/s", produce, consume))

        try await stack.startServices(logger: logger)
        let pool = PostgresPool(configuration: PostgresConfiguration(url: stack.databaseURL, poolSize: 2,
                                                                     applicationName: "creditctl-bench"), logger: logger)
        let probe = try PipelineProbe(pool: pool, bootstrap: stack.bootstrap, partitions: stack.partitions, logger: logger)
        do {
            let repetition = try await measurePipeline(index, stack: stack, probe: probe, population: population,
                                                       topology: topology, produce: produce, consume: consume)
            await probe.close()
            await pool.shutdown()
            return repetition
        } catch {
            await probe.close()
            await pool.shutdown()
            throw error
        }
    }

    private func measurePipeline(_ index: Int, stack: BenchStack, probe: PipelineProbe, population: SyntheticPopulation,
                                 topology: PipelineTopology, produce: Double, consume: Double) async throws -> Repetition {
        let drain = PipelineDrain(probe: probe, topology: topology)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: stack.bootstrap), logger: logger)
        let publisher = EventPublisher(producer: producer, interval: options.publishInterval)
        var streams = StreamPlanner(population: population, registry: registry, seed: options.seed &+ UInt64(index) * 1000,
                                    anchor: SyntheticTraffic.anchor(for: Date()))
        do {
            let alive: @Sendable () throws -> Void = { try stack.checkAlive() }
            let (measured, memory, shares) = try await warmUpAndMeasure("\(index)", stack: stack, drain: drain,
                                                                        publisher: publisher, streams: &streams, countRows: true)
            var throughput = measured.result

            // The COPY limit of the rows this stack wrote (services idle).
            let copy = CopyLimit(pool: probe.pool)
            let copyEvents = try await copy.measure(schema: "ingest", table: "events", limit: options.events)
            let copyLedger = try await copy.measure(schema: "scoring", table: "ledger", limit: options.events)
            let copyRate = Double(copyEvents.rows + copyLedger.rows) / max(1e-9, copyEvents.seconds + copyLedger.seconds)
            say(String(format: "  COPY limit: %.0f rows/s (events %.0f, ledger %.0f)", copyRate,
                       copyEvents.rowsPerSecond, copyLedger.rowsPerSecond))
            if let rowsBefore = measured.rowsBefore {
                // The COPY's own tables are left out of the counts.
                try await Task.sleep(until: measured.drained + Self.statisticsDelay, clock: .continuous)
                let rows = try await RowsWritten.Snapshot.take(schemas: topology.consumers.map(\.schema), pool: probe.pool)
                    .since(rowsBefore, events: options.events)
                throughput.rowsWritten = rows
                say(String(format: "  rows written per event: %.2f inserted, %.2f updated, %.2f deleted",
                           rows.insertedPerEvent, rows.updatedPerEvent, rows.deletedPerEvent))
            }
            // The throughput run leaves 200,000 new rows in each big table and as many dead ones
            // in the outboxes, which autovacuum then works through, at any moment of the latency
            // runs that follow: measure those from the steady state instead.
            try await probe.pool.execute("VACUUM (ANALYZE)")
            say("  vacuumed after the throughput run")

            // Latency at 50 % and 80 % of this repetition's maximum throughput: the rate to
            // decisions, which the slowest stage bounds (pacing at the ledger rate would overload
            // that stage and measure its queue).
            var latency: [LatencyRun] = []
            for share in [0.5, 0.8] {
                let rate = max(1, (options.fullLoadRate ?? throughput.eventsPerSToDecisions) * share)
                let events = max(100, Int(rate * options.latencySeconds))
                var stream = try streams.next("l\(Int(share * 100))-\(index)-", events: events)
                let paced = try EncodedTraffic(&stream)
                let run = try await measureLatency(paced, rate: rate, events: events, stack: stack, probe: probe,
                                                   drain: drain, publisher: publisher, alive: alive)
                say(String(format: "  latency at %.0f%% (%.0f events/s, published every %.0f ms): score change p50 %.1f p99 %.1f p99.9 %.1f ms "
                           + "(produced by scoring: p50 %.1f p99 %.1f); decision p50 %.1f p99 %.1f ms (%d)", share * 100, rate,
                           options.publishInterval / .milliseconds(1),
                           run.result.scoreChange.p50Ms, run.result.scoreChange.p99Ms, run.result.scoreChange.p999Ms,
                           run.result.scoreChangeProduced.p50Ms, run.result.scoreChangeProduced.p99Ms,
                           run.result.decision.p50Ms, run.result.decision.p99Ms, run.result.decision.count))
                say("    score change p99 by second of publication (ms): "
                    + run.result.scoreChangeBySecond.map { String(format: "%.0f", $0.p99Ms) }.joined(separator: " "))
                if let accepted = run.result.eventAcceptedProduced {
                    say(String(format: "    accepted event produced by ingest: p50 %.1f p99 %.1f p99.9 %.1f ms",
                               accepted.p50Ms, accepted.p99Ms, accepted.p999Ms))
                }
                for part in ["machine", "postgresql"] {
                    say("    \(part) cores by second: "
                        + (run.cpuBySecond ?? []).map { String(format: "%.2f", $0.cores[part] ?? 0) }.joined(separator: " "))
                }
                // A slow second with PostgreSQL busy: was it the pipeline's statements or the server's own work?
                let autovacuum = (run.cpuBySecond ?? []).map { $0.postgresqlByConnection?["autovacuum worker"] ?? 0 }
                if autovacuum.contains(where: { $0 >= 0.01 }) {
                    say("    autovacuum cores by second: " + autovacuum.map { String(format: "%.2f", $0) }.joined(separator: " "))
                }
                if let tables = run.autovacuumed, !tables.isEmpty { say("    autovacuum worked on: " + tables.joined(separator: ", ")) }
                latency.append(run)
            }
            await producer.shutdown()

            let checks = PipelineChecks(probe: probe, topology: topology)
            if try await !checks.settle() { say("  the pipeline did not settle within 60 s") }
            let outcome = try await checks.run(published: streams.published)
            for failed in outcome.checks where !failed.passed { say("  CHECK FAILED: \(failed.name): \(failed.detail)") }
            return Repetition(index: index, subjects: population.count, events: options.events,
                              kafkaProduceMsgsPerS: produce, kafkaConsumeMsgsPerS: consume, copyEvents: copyEvents,
                              copyLedger: copyLedger, copyRowsPerS: copyRate, throughput: throughput,
                              latencyAt50pct: latency[0], latencyAt80pct: latency[1], memory: memory,
                              cpuSeconds: shares.seconds(of: Array(stack.pids.keys)), cpuDuringThroughput: shares, checks: outcome.checks, truncated: outcome.truncated)
        } catch {
            await producer.shutdown()
            throw error
        }
    }

    /// A warm-up (connections, caches, consumer groups, table statistics; drained, not
    /// measured), then the throughput run offered as fast as the producer goes; with the
    /// services' memory after it and where the CPU went during it.
    private func warmUpAndMeasure(_ label: String, stack: BenchStack, drain: PipelineDrain, publisher: EventPublisher,
                                  streams: inout StreamPlanner, countRows: Bool = false) async throws
        -> (MeasuredThroughput, [String: ProcessMemory], CPUShares)
    {
        let alive: @Sendable () throws -> Void = { try stack.checkAlive() }
        var warmup = try streams.next("w\(label)-", events: options.warmupEvents)
        let warmupBaseline = await drain.baseline()
        let warmupAbsorbedBefore = await drain.absorbed()
        _ = try await publisher.publish(try EncodedTraffic(&warmup), window: BacklogWindow(events: options.backlogWindow) {
            Int(await drain.absorbed() - warmupAbsorbedBefore)
        })
        _ = try await drain.wait(events: options.warmupEvents, baseline: warmupBaseline, alive: alive)
        // Statistics, like a database that has been running: each repetition's database is new,
        // and autovacuum first visits it up to a minute (its naptime) after it was made. When
        // that visit fell inside the throughput run, the run was about a third slower (2,905
        // events/s twice, against 3,856 when the tables were analyzed right after the warm-up).
        try await drain.probe.pool.execute("ANALYZE")
        say("  warm-up: \(options.warmupEvents) events absorbed, tables analyzed")

        var stream = try streams.next("t\(label)-", events: options.events)
        // Encoded before the clock starts: the run measures the pipeline, not the generator.
        let traffic = try EncodedTraffic(&stream)
        var rowsBefore: RowsWritten.Snapshot?
        if countRows {
            try await Task.sleep(for: Self.statisticsDelay)
            rowsBefore = try await RowsWritten.Snapshot.take(schemas: drain.topology.consumers.map(\.schema), pool: drain.probe.pool)
        }
        let before = CPUSnapshot.take(processes: stack.cpuProcesses, postgresNames: await drain.probe.postgresNames())
        let baseline = await drain.baseline()
        async let timeline = drain.wait(events: options.events, baseline: baseline, alive: alive)
        let absorbedBefore = await drain.absorbed()
        let window = BacklogWindow(events: options.backlogWindow) { Int(await drain.absorbed() - absorbedBefore) }
        let offered = try await publisher.publish(traffic, window: window)
        let times = try await timeline
        let shares = CPUSnapshot.take(processes: stack.cpuProcesses, postgresNames: await drain.probe.postgresNames())
            .shares(since: before)
        let drained = ContinuousClock.now
        let throughput = ThroughputResult(timeline: times, events: options.events, offered: offered.rate)
        say(String(format: "  throughput: %.0f events/s to the ledger, %.0f to decisions (offered %.0f/s)",
                   throughput.eventsPerS, throughput.eventsPerSToDecisions, offered.rate))
        return (MeasuredThroughput(result: throughput, rowsBefore: rowsBefore, drained: drained),
                stack.pids.compactMapValues(ProcessMemory.read), shares)
    }

    /// A throughput run, with the table counters from before it (when counted) and when it drained.
    private struct MeasuredThroughput {
        var result: ThroughputResult
        var rowsBefore: RowsWritten.Snapshot?
        var drained: ContinuousClock.Instant
    }

    private func measureLatency(_ traffic: EncodedTraffic, rate: Double, events: Int, stack: BenchStack,
                                probe: PipelineProbe, drain: PipelineDrain, publisher: EventPublisher,
                                alive: @escaping @Sendable () throws -> Void) async throws -> LatencyRun {
        var start: [KafkaTopicPartition: Int64] = [:]
        for topic in [Topics.scoresChanged, Topics.sanctionsDecisions] + (options.splitHops ? [Topics.eventsAccepted] : []) {
            for (partition, mark) in try await probe.watermarks(topic) {
                start[KafkaTopicPartition(topic: topic, partition: partition)] = mark.high
            }
        }
        let collector = try LatencyCollector(bootstrap: stack.bootstrap, startOffsets: start,
                                             statePolicies: LatencyCollector.statePolicies(of: rulebook),
                                             splittingHops: options.splitHops, logger: logger)
        try await collector.start()
        let baseline = await drain.baseline()
        let processes = stack.cpuProcesses
        let maintenance = await probe.maintenanceCounts()
        let before = CPUSnapshot.take(processes: processes, postgresNames: await probe.postgresNames())
        let sampler = Task { await Self.cpuBySecond(processes: processes, from: before) }
        async let drained = drain.wait(events: events, baseline: baseline, alive: alive)
        let offered: EventPublisher.Summary
        do {
            offered = try await publisher.publish(traffic, rate: rate, published: { ids, instant in
                await collector.published(ids, at: instant)
            })
            _ = try await drained
        } catch {
            sampler.cancel()
            throw error
        }
        let cpu = CPUSnapshot.take(processes: processes, postgresNames: await probe.postgresNames()).shares(since: before)
        sampler.cancel()
        let bySecond = await sampler.value
        try await Task.sleep(for: .milliseconds(300))  // the last decisions reach the collector
        return LatencyRun(targetEventsPerS: rate, publishedEventsPerS: offered.rate, result: try await collector.finish(), cpu: cpu,
                          cpuBySecond: bySecond, autovacuumed: await probe.autovacuumed(since: maintenance))
    }

    /// Where the CPU went in each whole second from `start` until cancelled: a slow second of
    /// the latency timeline then shows which part was busy (or that none was).
    private static func cpuBySecond(processes: [String: Int32], from start: CPUSnapshot) async -> [CPUShares] {
        var samples: [CPUShares] = []
        var previous = start
        while true {
            do { try await Task.sleep(until: previous.instant + .seconds(1), clock: .continuous) } catch { return samples }
            let now = CPUSnapshot.take(processes: processes, postgresNames: start.postgresNames)
            samples.append(now.shares(since: previous))
            previous = now
        }
    }

    /// The throughput run alone at another population size, with the services' memory.
    private func growthPoint(subjects: Int, topology: PipelineTopology) async throws -> PipelineBenchReport.Growth.Point {
        let population = SyntheticPopulation(count: subjects, seed: options.seed)
        var stack = try await BenchStack.create(stackName("growth_\(subjects)"), on: infrastructure, topics: topology.allTopics,
                                                partitions: partitionCount, logger: logger)
        do {
            try await stack.startServices(logger: logger)
            let pool = PostgresPool(configuration: PostgresConfiguration(url: stack.databaseURL, poolSize: 2,
                                                                         applicationName: "creditctl-bench"), logger: logger)
            let probe = try PipelineProbe(pool: pool, bootstrap: stack.bootstrap, partitions: stack.partitions, logger: logger)
            let drain = PipelineDrain(probe: probe, topology: topology)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: stack.bootstrap),
                                             logger: logger)
            let publisher = EventPublisher(producer: producer, interval: options.publishInterval)
            var streams = StreamPlanner(population: population, registry: registry, seed: options.seed,
                                        anchor: SyntheticTraffic.anchor(for: Date()))
            let (measured, memory, _) = try await warmUpAndMeasure("g\(subjects)", stack: stack, drain: drain,
                                                                 publisher: publisher, streams: &streams)
            await producer.shutdown()
            await probe.close()
            await pool.shutdown()
            await stack.stop(keep: options.keep, keepFiles: true, logger: logger)
            return .init(subjects: subjects, eventsPerS: measured.result.eventsPerS, memory: memory)
        } catch {
            await stack.stop(keep: true, logger: logger)
            throw error
        }
    }

    /// One line per repetition.
    static func summary(of repetition: Repetition) -> String {
        let passed = repetition.checks.allSatisfy(\.passed)
        return String(format: "repetition %d: %.0f events/s to the ledger (COPY %.0f rows/s, ratio %.3f); checks ",
                      repetition.index, repetition.throughput.eventsPerS, repetition.copyRowsPerS,
                      repetition.throughput.eventsPerS / max(1, repetition.copyRowsPerS)) + (passed ? "passed" : "FAILED")
    }
}

/// Hands out the streams of one stack: fresh event ids, each stream with its own model citizens
/// (so each has threshold crossings of its own), and the count of everything published.
struct StreamPlanner {
    let population: SyntheticPopulation
    let registry: AgencyRegistry
    let seed: UInt64
    let anchor: Date
    private(set) var published = 0
    private var streams: UInt64 = 0
    private var nextModelCitizen = 0

    init(population: SyntheticPopulation, registry: AgencyRegistry, seed: UInt64, anchor: Date) {
        self.population = population
        self.registry = registry
        self.seed = seed
        self.anchor = anchor
    }

    mutating func next(_ idPrefix: String, events: Int) throws -> SyntheticTraffic {
        var configuration = SyntheticTraffic.Configuration(events: events, idPrefix: idPrefix, anchor: anchor)
        let count = SyntheticTraffic.modelCitizens(forEvents: events)
        configuration.modelCitizens = nextModelCitizen..<(nextModelCitizen + count)
        nextModelCitizen += count
        streams += 1
        published += events
        return try SyntheticTraffic(population: population, registry: registry, seed: seed &+ streams, configuration: configuration)
    }
}

extension ThroughputResult {
    /// The rates of a drained run of `events` events.
    init(timeline: PipelineDrain.Timeline, events: Int, offered: Double) {
        let counted = Double(Int64(events) - timeline.committedAtFirst)
        let toIngest = (timeline.ingested - timeline.firstCommit).seconds
        let toLedger = (timeline.scored - timeline.firstCommit).seconds
        let toDecisions = (timeline.decided - timeline.firstCommit).seconds
        self.init(events: events, ingestEventsPerS: counted / max(1e-3, toIngest), eventsPerS: counted / max(1e-3, toLedger),
                  eventsPerSToDecisions: counted / max(1e-3, toDecisions), secondsToLedger: toLedger,
                  secondsToDecisions: toDecisions, publishedEventsPerS: offered, rowsWritten: nil)
    }
}
