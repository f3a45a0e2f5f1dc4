import ArgumentParser
import CreditCtlKit
import CreditModel
import DevBrokerClient
import Foundation
import KafkaClient
import Logging
import PostgresClient

/// `creditctl bench ingest`: pre-fills an agency topic with N valid events, starts the real
/// `ingest` executable (next to this one) on a private schema, topic prefix and group, and
/// measures events/s from the topic to committed rows in `events` (timed from the first
/// committed batch to the last, polling the committed offsets, which cost the server nothing
/// unlike counting rows). Then, in the same run, it COPYs the same rows (read back as text) into
/// a table shaped like `events` (`CopyLimit`) and prints COPY
/// rows/s and the ratio ingest/COPY. The private schema and topics are left for inspection
/// unless `--drop`.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest",
                                                    abstract: "Ingest throughput (topic to committed rows) beside raw COPY.")

    @Option(help: "Events to pre-fill.")
    var events = 50_000
    @Option(help: "Most messages per ingest transaction (INGEST_MAX_BATCH).")
    var maxBatch = 2000
    @Option(help: "PostgreSQL URL (default: DATABASE_URL, else .run/stack.json).")
    var databaseURL: String?
    @Option(help: "Dev broker state file (bootstrap and control API).")
    var stateFile = ".run/broker.json"
    @Option(help: "Agency registry handed to ingest.")
    var agencies = "deploy/agencies.yaml"
    @Option(help: "Ingest processes in the consumer group (partitions are shared among them).")
    var instances = 1
    @Flag(help: "Drop the private schema afterwards.")
    var drop = false

    func run() async throws {
        let command = self
        try await Interruption.run(command: "bench ingest", stopping: "stopping the ingest processes it started",
                                   afterwards: "its private schema and topics stay") {
            try await command.measure()
        }
    }

    /// The measurement; the ingest processes it starts are killed when it ends, throws or is
    /// cancelled (Ctrl-C), since they run in process groups of their own.
    private func measure() async throws {
        var logger = Logger(label: "creditctl.bench.ingest")
        logger.logLevel = .warning
        guard let state = try? JSONDecoder().decode(BrokerState.self, from: Data(contentsOf: URL(fileURLWithPath: stateFile))) else {
            throw ValidationError("no broker state file at \(stateFile): start `creditctl broker` (or scripts/stack up) first")
        }
        let database = try databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? StackFile.load().database.url
        let tag = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        let prefix = tag + ".", schema = "ingest_" + tag.replacingOccurrences(of: "-", with: "_")
        let topic = prefix + Topics.agencyEvents("court")
        let partitions = max(4, Int((Double(events) * 420 / Double(4 << 20)).rounded(.up)))
        let outputPartitions = max(4, Int((Double(events) * 900 / Double(4 << 20)).rounded(.up)))
        for (name, count) in [(topic, partitions), (prefix + "events.accepted", outputPartitions), (prefix + "events.rejected", 4)] {
            try await DevBrokerControl(baseURL: state.control).createTopic(name, partitions: count)
        }
        print("bench ingest: \(events) events on \(topic) (\(partitions) partitions), schema \(schema), max batch \(maxBatch)")
        fflush(nil)  // shows at once in a log file too
        try await prefill(topic: topic, bootstrap: state.bootstrap, logger: logger)

        let pool = PostgresPool(configuration: PostgresConfiguration(url: database, poolSize: 2), logger: logger)
        let serverBefore = try await BenchmarkCPU.sample(pool)
        let processes = try (0..<max(1, instances)).map { _ in
            try startIngest(database: database, bootstrap: state.bootstrap, schema: schema, prefix: prefix, group: tag)
        }
        defer { for process in processes { process.send(SIGKILL) } }
        let ingestRate = try await measureIngest(pool: pool, schema: schema, group: tag, processes: processes)
        let cpu = processes.map { BenchmarkCPU.seconds(of: $0.pid) }.reduce(0, +)
        let ingestCPU = BenchmarkCPU(process: cpu, server: try await BenchmarkCPU.sample(pool).since(serverBefore).server)
        for process in processes { await process.terminate(timeout: .seconds(30)) }
        let copyCPUBefore = try await BenchmarkCPU.sample(pool)
        let copyRate = try await CopyLimit(pool: pool).measure(schema: schema, table: "events", limit: events).rowsPerSecond
        let copyCPU = try await BenchmarkCPU.sample(pool).since(copyCPUBefore)
        print(String(format: "ingest: %.0f events/s (topic -> committed rows, %d events, %d process(es)); ingest CPU %.1f s, %.0f events per CPU-second",
                     ingestRate, events, processes.count, cpu, cpu > 0 ? Double(events) / cpu : 0))
        print(String(format: "COPY:   %.0f rows/s (same rows, same table)", copyRate))
        print(String(format: "ratio ingest/COPY: %.3f", ingestRate / copyRate))
        print(ingestCPU.report(per: events, unit: "event", copy: copyCPU, copyRows: events)
            .replacingOccurrences(of: "this process", with: "ingest"))
        if drop { try await pool.execute("DROP SCHEMA \(identifier: schema) CASCADE") }
        await pool.shutdown()
    }

    /// Valid `court.order_ignored` events for 1000 different persons.
    private func prefill(topic: String, bootstrap: String, logger: Logger) async throws {
        var rng = SplitMix64(seed: 7)
        let subjects = (0..<1000).map { _ in SubjectCode.randomPerson(using: &rng) }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: logger)
        let occurredAt = Date().addingTimeInterval(-86_400)
        for start in stride(from: 0, to: events, by: 10_000) {
            let batch = try (start..<min(start + 10_000, events)).map { index in
                let subject = subjects[index % subjects.count]
                let event = AgencyEvent(eventID: "bench-\(index)", subject: subject, kind: EventKind(rawValue: "court.order_ignored"),
                                        occurredAt: occurredAt, attributes: ["case": .string("(2026) Bench \(index)"),
                                                                             "amount_cny": .int(Int64(index % 90_000))])
                return KafkaOutgoingMessage(topic: topic, key: Array(subject.rawValue.utf8), value: Array(try MessageCoding.encode(event)))
            }
            _ = try await producer.send(batch)
        }
        await producer.shutdown()
    }

    private func startIngest(database: String, bootstrap: String, schema: String, prefix: String, group: String) throws -> ChildProcess {
        let binary = (Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath())
            .deletingLastPathComponent().appendingPathComponent("ingest")
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database
        environment["KAFKA_BOOTSTRAP"] = bootstrap
        environment["INGEST_SCHEMA"] = schema
        environment["INGEST_GROUP_ID"] = group
        environment["INGEST_TOPIC_PREFIX"] = prefix
        environment["INGEST_ACCEPTED_TOPIC"] = prefix + "events.accepted"
        environment["INGEST_REJECTED_TOPIC"] = prefix + "events.rejected"
        environment["INGEST_AGENCIES_FILE"] = agencies
        environment["INGEST_HTTP_PORT"] = "0"
        environment["INGEST_MAX_BATCH"] = String(maxBatch)
        environment["LOG_LEVEL"] = "warning"
        return try ChildProcess.spawn(binary.path, environment: environment,
                                      logPath: NSTemporaryDirectory() + "ingest-bench-\(group).log")
    }

    /// Events/s from the first committed batch to the last (the group's committed offsets,
    /// which start at 0 on the fresh topic, are polled every 20 ms).
    private func measureIngest(pool: PostgresPool, schema: String, group: String, processes: [ChildProcess]) async throws -> Double {
        var first: (ContinuousClock.Instant, Int)?
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            if let exited = processes.first(where: { $0.status != nil }), let status = exited.status {
                throw ValidationError("ingest exited (\(status)): \(exited.logTail())")
            }
            let stored = (try? await pool.query("""
                SELECT coalesce(sum(next_offset), 0)::bigint FROM \(identifier: schema).consumer_offsets WHERE group_id = \(group)
                """).first?.decode(Int.self, at: 0)) ?? 0
            if stored > 0 && first == nil { first = (.now, stored) }
            if stored >= events, let (start, already) = first {
                return Double(stored - already) / max((ContinuousClock.now - start).seconds, 0.001)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ValidationError("ingest did not store \(events) events within 10 minutes")
    }
}
