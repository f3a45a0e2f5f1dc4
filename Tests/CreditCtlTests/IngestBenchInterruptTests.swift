import CreditCtlKit
import Foundation
import Logging
import PostgresClient
import Testing
import TestSupport

/// `creditctl bench ingest` interrupted as an operator interrupts it (SIGINT, as Ctrl-C sends):
/// it kills the ingest process it started and exits 130. The process runs in a process group of
/// its own, so before, it outlived the benchmark and kept consuming.
@Suite struct IngestBenchInterruptTests {
    @Test(.timeLimit(.minutes(5)))
    func sigintStopsTheIngestProcessItStarted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("ingestint")).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The test broker, as `creditctl broker` describes itself in its state file.
        let state = #"{"bootstrap":"\#(try TestEnvironment.kafkaBootstrap())","control":"\#(try TestEnvironment.brokerControl())","pid":0}"#
        try Data(state.utf8).write(to: URL(fileURLWithPath: "\(directory)/broker.json"))
        let logPath = "\(directory)/bench.out"
        // Small batches and many events: ingest is still consuming when the signal comes.
        let bench = try ChildProcess.spawn("\(try TestEnvironment.binDirectory())/creditctl",
                                           arguments: ["bench", "ingest", "--events", "100000", "--max-batch", "20",
                                                       "--state-file", "\(directory)/broker.json",
                                                       "--database-url", try TestEnvironment.databaseURL()],
                                           environment: ServiceEnvironment.inherited(),
                                           workingDirectory: PipelineBenchTests.repoRoot, logPath: logPath)
        let output = { LauncherFiles.tail(of: logPath, lines: 30) }
        let schema = try await Self.schema(announcedIn: logPath, by: bench)
        var children: [pid_t] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while children.isEmpty {
            guard bench.status == nil, ContinuousClock.now < deadline else {
                Issue.record("the benchmark never started ingest (\(bench.status.map { "\($0)" } ?? "still running")): \(output())")
                bench.send(SIGINT)
                _ = await bench.waitForExit(timeout: .seconds(60))
                try await Self.drop(schema)
                return
            }
            try await Task.sleep(for: .milliseconds(100))
            children = PipelineBenchInterruptTests.children(of: bench.pid)
        }
        #expect(children.count == 1, "one ingest process: \(children)")
        try await Task.sleep(for: .milliseconds(500))  // consuming
        #expect(children.allSatisfy(LauncherFiles.isAlive))

        bench.send(SIGINT)
        let status = await bench.waitForExit(timeout: .seconds(60))
        #expect(status == .exited(130), "\(output())")
        #expect(output().contains("SIGINT received"), "\(output())")
        for pid in children {
            #expect(!LauncherFiles.isAlive(pid), "ingest \(pid) outlived the benchmark")
        }
        if status == nil { await bench.terminate(timeout: .seconds(5)) }
        try await Self.drop(schema)
    }

    /// The private schema the benchmark names on its first line.
    static func schema(announcedIn logPath: String, by bench: ChildProcess) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, bench.status == nil {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: "schema ingest_bench_") {
                return String(text[range.lowerBound...].dropFirst("schema ".count).prefix { $0 != "," && $0 != "\n" })
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        bench.send(SIGKILL)
        throw NoSchema(output: LauncherFiles.tail(of: logPath, lines: 30))
    }

    struct NoSchema: Error, CustomStringConvertible {
        var output: String
        var description: String { "the benchmark never named its schema: \(output)" }
    }

    static func drop(_ schema: String) async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1),
                                logger: Logger(label: "ingest-bench-test"))
        try await pool.execute("DROP SCHEMA IF EXISTS \(identifier: schema) CASCADE")
        await pool.shutdown()
    }
}
