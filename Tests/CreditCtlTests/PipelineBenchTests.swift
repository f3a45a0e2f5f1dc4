import CreditCtlKit
import Foundation
import Logging
import TestSupport
import Testing

/// `creditctl bench pipeline --quick` end to end against the test infrastructure: private
/// broker clusters of the test broker, fresh databases on the test server, the built services.
@Suite struct PipelineBenchTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(.timeLimit(.minutes(5)))
    func quickRunWritesTheReportAndItsChecksPass() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("bench")).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = PipelineBenchmark.Options.quickSizes
        options.growth = true
        options.fullLoadRate = 300  // the latency runs at 150 and 240 events/s, whatever the throughput
        var logger = Logger(label: "bench-test")
        logger.logLevel = .error
        let report = try await PipelineBenchRun.execute(
            options: options, databaseURL: try TestEnvironment.databaseURL(), brokerControl: try TestEnvironment.brokerControl(),
            binDirectory: try TestEnvironment.binDirectory(), runDirectory: directory, workingDirectory: Self.repoRoot,
            logger: logger, say: { _ in })
        #expect(report.checks.passed, "\(report.checks.failures)")

        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/latest.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func number(_ path: String) -> Double? {
            var value: Any? = json
            for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
            return (value as? NSNumber)?.doubleValue
        }
        for key in ["limits.copy_rows_per_s", "throughput.events_per_s", "throughput.ratio_to_copy", "latency.p99_ms_at_50pct",
                    "limits.kafka_produce_msgs_per_s", "limits.kafka_consume_msgs_per_s", "throughput.events_per_s_to_decisions",
                    "throughput.events_per_s_spread.median", "growth.events_per_s_ratio"] {
            let value = try #require(number(key), "missing \(key)")
            #expect(value > 0, "\(key) = \(value)")
        }
        #expect((json["checks"] as? [String: Any])?["passed"] as? Bool == true)
        let repetitions = try #require(json["repetitions"] as? [[String: Any]])
        #expect(repetitions.count == options.repetitions)
        let memory = try #require(repetitions.first?["memory"] as? [String: Any])
        #expect(Set(memory.keys) == ["ingest", "scoring", "sanctions", "notification"])
        #expect(report.latency.at50pct.scoreChange.count > 0)
        // Each latency run's score changes, by the second of publication: all of them, once.
        for repetition in repetitions {
            let result = try #require((repetition["latency_at_50pct"] as? [String: Any])?["result"] as? [String: Any])
            let seconds = try #require(result["score_change_by_second"] as? [[String: Any]])
            let total = (result["score_change"] as? [String: Any])?["count"] as? Int
            #expect(!seconds.isEmpty && seconds.compactMap { $0["count"] as? Int }.reduce(0, +) == total)
            // ... and where the CPU went in each whole second of it.
            let cpu = try #require((repetition["latency_at_50pct"] as? [String: Any])?["cpu_by_second"] as? [[String: Any]])
            #expect(!cpu.isEmpty)
            for second in cpu {
                let cores = try #require(second["cores"] as? [String: Double])
                #expect(cores["machine", default: 0] > 0 && cores["scoring"] != nil, "\(cores)")
                #expect(abs((second["seconds"] as? Double ?? 0) - 1) < 0.5, "\(second)")
            }
        }
        // The split at scoring's producer: every score change has it, and it comes before the
        // consumer has the message (Kafka timestamps are whole milliseconds, rounded down).
        for level in [report.latency.at50pct, report.latency.at80pct] {
            let whole = level.scoreChange, produced = level.scoreChangeProduced
            #expect(produced.count == whole.count && produced.count > 0)
            #expect(produced.p50Ms > 0 && produced.p50Ms <= whole.p50Ms + 1 && produced.p99Ms <= whole.p99Ms + 1,
                    "produced \(produced), whole \(whole)")
        }
        #expect(report.latency.at50pct.targetEventsPerS == 150 && report.latency.at80pct.targetEventsPerS == 240)
        #expect(number("parameters.full_load_rate") == 300)
        #expect(number("parameters.publish_interval_ms") == 40)
        // Where the CPU went: every service, PostgreSQL, this process and the machine.
        for shares in [report.throughput.cpu, report.latency.at50pct.cpu] {
            let cores = try #require(shares?.cores)
            #expect(Set(["ingest", "scoring", "sanctions", "notification", "postgresql", "benchmark", "machine"])
                .isSubset(of: cores.keys), "\(cores.keys.sorted())")
            #expect(cores["postgresql", default: 0] > 0 && cores["machine", default: 0] > 0, "\(cores)")
        }
        // The rows the throughput run wrote: one stored event per event, an outbox row inserted
        // and deleted per accepted event, at least one ledger row per scored event (some match
        // more than one rule), and nothing from the COPY measurement.
        for repetition in report.repetitions {
            let rows = try #require(repetition.throughput.rowsWritten)
            let tables = Dictionary(uniqueKeysWithValues: rows.tables.map { ($0.table, $0) })
            #expect(tables["ingest.events"]?.inserted == Int64(options.events), "\(rows.tables)")
            #expect(tables["scoring.accepted_events"]?.inserted == Int64(options.events))
            #expect(tables["ingest.outbox"]?.inserted == Int64(options.events) && tables["ingest.outbox"]?.deleted == Int64(options.events))
            #expect((tables["scoring.ledger"]?.inserted ?? 0) >= Int64(options.events) * 9 / 10)
            #expect(!rows.tables.contains { $0.table.hasSuffix("_copy_limit") })
            #expect(rows.insertedPerEvent >= 4 && rows.deletedPerEvent >= 1)
        }
        let limit = try #require(number("throughput.copy_limit_events_per_s"))
        #expect(limit > 0 && limit < report.limits.copyRowsPerS)
        #expect(number("throughput.rows_inserted_per_event") ?? 0 >= 4)
        // PostgreSQL's cores split by connection: the services' connections did the work.
        for shares in [report.throughput.cpu, report.latency.at50pct.cpu] {
            let split = try #require(shares?.postgresqlByConnection)
            #expect(split["scoring", default: 0] > 0 && split["ingest", default: 0] > 0, "\(split)")
            #expect(abs(split.values.reduce(0, +) - (shares?.cores["postgresql"] ?? 0)) < 0.05, "\(split)")
        }
        // Per repetition the split adds up exactly (medians over repetitions need not).
        for shares in report.repetitions.flatMap({ [$0.cpuDuringThroughput, $0.latencyAt50pct?.cpu] }) {
            let split = try #require(shares?.postgresqlByConnection)
            #expect(abs(split.values.reduce(0, +) - (shares?.cores["postgresql"] ?? 0)) < 1e-6, "\(split)")
        }
        for run in report.repetitions.compactMap(\.latencyAt50pct) {
            #expect(!(run.cpuBySecond ?? []).isEmpty && (run.cpuBySecond ?? []).allSatisfy { $0.postgresqlByConnection != nil },
                    "every second of a latency run splits PostgreSQL's cores too")
            #expect(run.autovacuumed != nil, "each latency run records what autovacuum worked on")
        }
    }

    /// With the defaults, what the backlog window lets run ahead fits in one partition's
    /// retention on the dev broker, so a default run loses nothing to truncation.
    @Test func defaultBacklogWindowFitsTheBrokersRetention() {
        let window = PipelineBenchmark.Options().backlogWindow
        #expect(window * PipelineBenchmark.bytesPerEvent / PipelineBenchmark.defaultPartitions.pipeline
                <= PipelineBenchmark.retentionBytes)
    }

    @Test func agencyTopicsGetTheirOwnPartitionCount() {
        let partitions = TopicPartitions(agency: 1, pipeline: 3)
        #expect(partitions.count(of: "agency.court.events") == 1)
        #expect(partitions.count(of: "events.accepted") == 3)
        #expect(partitions.count(of: "scores.changed") == 3)
    }

    @Test func cpuSharesAreCoresPerPartWithTheRestAsOther() {
        let start = ContinuousClock.now
        let before = CPUSnapshot(seconds: ["ingest": 10, "machine": 500], processes: ["postgresql": [7: 100]], instant: start)
        let after = CPUSnapshot(seconds: ["ingest": 12, "machine": 516, "scoring": 3], processes: ["postgresql": [7: 106]],
                                instant: start + .seconds(4))
        let shares = after.shares(since: before)
        #expect(shares.seconds == 4)
        #expect(shares.cores["ingest"] == 0.5)
        #expect(shares.cores["postgresql"] == 1.5)
        #expect(shares.cores["machine"] == 4)
        #expect(shares.cores["other"] == 2, "machine minus the parts")
        #expect(shares.cores["scoring"] == nil, "no earlier reading, no share")
        #expect(shares.ordered.map(\.name) == ["ingest", "postgresql", "other", "machine"])
        let median = CPUShares.median([shares, CPUShares(cores: ["ingest": 1.5, "machine": 3], seconds: 2),
                                       CPUShares(cores: ["ingest": 0.7, "machine": 2], seconds: 6)])
        #expect(median?.cores["ingest"] == 0.7)
        #expect(median?.cores["machine"] == 3)
        #expect(median?.seconds == 4)
        #expect(CPUShares.median([]) == nil)
        #expect(shares.seconds(of: ["ingest", "postgresql", "scoring"]) == ["ingest": 2, "postgresql": 6])

        // A part of many processes: each process's own difference. Backend 2 exits with its
        // 50 s, backend 3 starts; the sums fall from 100 to 55 while the part spent 5 s.
        let early = CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 50, 2: 50]], instant: start)
        let late = CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 53, 3: 2]], instant: start + .seconds(4))
        #expect(late.shares(since: early).cores["postgresql"] == 1.25)
    }

    /// PostgreSQL's cores split by the connection each process serves: a process named in
    /// either snapshot counts under its name, a new one from zero, an unnamed one as `unnamed`,
    /// and the split adds up to the part.
    @Test func postgresCoresAreSplitByConnection() {
        let start = ContinuousClock.now
        let before = CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 10, 2: 20, 3: 5]], instant: start,
                                 postgresNames: [1: "scoring", 2: "scoring", 3: "walwriter"])
        let after = CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 14, 2: 22, 3: 5.5, 4: 1, 5: 0.5]],
                                instant: start + .seconds(2), postgresNames: [4: "ingest"])
        let shares = after.shares(since: before)
        #expect(shares.postgresqlByConnection == ["scoring": 3, "walwriter": 0.25, "ingest": 0.5, "unnamed": 0.25])
        #expect(shares.cores["postgresql"] == 4)
        #expect(CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 11]], instant: start + .seconds(1))
            .shares(since: CPUSnapshot(seconds: [:], processes: ["postgresql": [1: 10]], instant: start))
            .postgresqlByConnection == nil, "no names, no split")
        let median = CPUShares.median([shares, CPUShares(cores: [:], seconds: 2, postgresqlByConnection: ["scoring": 1]),
                                       CPUShares(cores: [:], seconds: 2)])
        // `ingest` spent nothing in the second split: its median is over 0.5 and 0.
        #expect(median?.postgresqlByConnection?["scoring"] == 2 && median?.postgresqlByConnection?["ingest"] == 0.25)
    }

    @Test func machineAndPostgresCountersReadThisMachine() {
        let snapshot = CPUSnapshot.take(processes: ["self": getpid()])
        #expect(snapshot.seconds["machine", default: 0] > 0)
        #expect(snapshot.processes["postgresql", default: [:]].values.reduce(0, +) > 0, "the test command runs a PostgreSQL server")
        let mine = snapshot.seconds["self", default: -1], benchmark = snapshot.seconds["benchmark", default: -2]
        #expect(mine > 0 && abs(mine - benchmark) < 1, "both read this process: \(mine) and \(benchmark)")
        // Read without `pg_stat_activity`, the server's own processes are named by their titles.
        #expect(snapshot.postgresNames.values.contains("checkpointer"), "names: \(Set(snapshot.postgresNames.values))")
    }

    /// A server process that started after `pg_stat_activity` was read is named by its title; a
    /// client backend's title (user, database, address) names no connection, so it stays unnamed.
    @Test func postgresProcessTitlesNameServerProcesses() {
        #expect(CPUSnapshot.postgresKind(title: "postgres: autovacuum worker bench_1") == "autovacuum worker")
        #expect(CPUSnapshot.postgresKind(title: "postgres: checkpointer") == "checkpointer")
        #expect(CPUSnapshot.postgresKind(title: "postgres: parallel worker for PID 4242") == "parallel worker")
        #expect(CPUSnapshot.postgresKind(title: "postgres: postgres bench_1 127.0.0.1(40000) idle") == nil)
        #expect(CPUSnapshot.postgresKind(title: "/usr/lib/postgresql/15/bin/postgres -D data") == nil)
        #expect(CPUSnapshot.postgresKind(title: nil) == nil)
    }
}

/// `creditctl bench` interrupted as an operator interrupts it (SIGINT, as Ctrl-C sends): it stops
/// what it started — its PostgreSQL cluster, its dev broker, the four services — and exits 130.
/// The stack's processes run in process groups of their own, so before, they outlived it.
@Suite struct PipelineBenchInterruptTests {
    @Test(.timeLimit(.minutes(5)))
    func sigintStopsEverythingTheBenchmarkStarted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("benchint")).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logPath = "\(directory)/bench.out"
        let bench = try ChildProcess.spawn("\(try TestEnvironment.binDirectory())/creditctl",
                                           arguments: ["bench", "--quick", "--run-directory", "\(directory)/run"],
                                           environment: ServiceEnvironment.inherited(),
                                           workingDirectory: PipelineBenchTests.repoRoot, logPath: logPath)
        // Past the warm-up, every part runs: the cluster, a broker and the four services.
        let deadline = ContinuousClock.now + .seconds(180)
        while !((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").contains("warm-up:") {
            guard bench.status == nil, ContinuousClock.now < deadline else {
                let state = bench.status.map { "\($0)" } ?? "still running"
                Issue.record("the benchmark never finished its warm-up (\(state)): \(LauncherFiles.tail(of: logPath, lines: 30))")
                bench.send(SIGINT)
                _ = await bench.waitForExit(timeout: .seconds(90))
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let children = Self.children(of: bench.pid)
        let pidFile = (try? String(contentsOfFile: "\(directory)/run/pg/data/postmaster.pid", encoding: .utf8)) ?? ""
        let postmaster = try #require(pid_t(pidFile.prefix { $0 != "\n" }), "postmaster.pid: \(pidFile)")
        #expect(children.count == 5, "a broker and four services: \(children)")
        #expect(LauncherFiles.isAlive(postmaster))

        bench.send(SIGINT)
        let status = await bench.waitForExit(timeout: .seconds(90))
        let output = LauncherFiles.tail(of: logPath, lines: 30)
        #expect(status == .exited(130), "\(output)")
        #expect(output.contains("SIGINT received"), "\(output)")
        for pid in children + [postmaster] {
            #expect(!LauncherFiles.isAlive(pid), "process \(pid) outlived the benchmark")
        }
        if status == nil { await bench.terminate(timeout: .seconds(5)) }
    }

    /// The processes whose parent is `pid`.
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let child = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }
}
