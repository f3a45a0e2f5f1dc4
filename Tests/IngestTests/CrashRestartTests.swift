import CreditModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PostgresClient
import Testing
import TestSupport

/// Runs the real `ingest` executable, SIGKILLs it mid-stream and restarts it: every event sent
/// is stored exactly once and appears on the accepted topic once by message id.
@Suite struct CrashRestartTests {
    static let total = 8000

    @Test func sigkillMidStreamLosesAndDuplicatesNothing() async throws {
        let fixture = try await IngestFixture.make()
        var rng = SplitMix64(seed: 42)
        let subjects = (0..<200).map { _ in SubjectCode.randomPerson(using: &rng).rawValue }
        let values = (0..<Self.total).map { index in
            Events.bytes(Events.object("crash-\(index)", subject: subjects[index % subjects.count]))
        }
        let producer = try KafkaProducerHelper(bootstrap: fixture.bootstrap)
        try await producer.send(topic: fixture.configuration.topics.topic(for: "court"), values: values, keys: subjects)

        // Below the kernel's ephemeral range (32768-60999): a port from it was once taken by
        // another test's outgoing connection, and ingest could not bind.
        let port = Int.random(in: 20_000...32_000)
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL()), logger: IngestFixture.logger)
        func stored() async throws -> Int {
            (try? await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: fixture.schema).events")) ?? 0
        }

        let first = try ServiceProcess.start(fixture: fixture, port: port, maxBatch: 100)
        try await IngestFixture.waitUntil("the first run to store some events") { try await stored() >= 1500 }
        await first.kill(signal: SIGKILL)
        let midway = try await stored()
        #expect(midway < Self.total, "the kill should land mid-stream (stored \(midway))")

        let second = try ServiceProcess.start(fixture: fixture, port: port, maxBatch: 500)
        try await IngestFixture.waitUntil("every event stored and published") {
            let waiting = (try? await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: fixture.schema).outbox")) ?? -1
            return try await stored() >= Self.total && waiting == 0
        }
        let metrics = try await ServiceProcess.get("http://127.0.0.1:\(port)/metrics")
        // The second run counts what it accepted: everything the first run had not committed.
        let accepted = metrics.split(separator: "\n")
            .filter { $0.hasPrefix("ingest_events_total{") && $0.contains(#"status="accepted""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
        #expect(accepted >= Double(Self.total - midway) && accepted <= Double(Self.total),
                "accepted counted \(accepted), expected \(Self.total - midway)")
        #expect(!metrics.contains(#"status="rejected""#))
        await second.kill(signal: SIGTERM)

        #expect(try await stored() == Self.total)
        #expect(try await fixture.count(pool, "SELECT count(DISTINCT event_id)::int FROM \(identifier: fixture.schema).events") == Self.total)
        #expect(try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: fixture.schema).rejected_events") == 0)
        await pool.shutdown()

        let output = try await fixture.readOutput(fixture.configuration.acceptedTopic, expected: Self.total)
        let expected = Set((0..<Self.total).map { MessageID.accepted(agency: "court", eventID: "crash-\($0)") })
        #expect(Set(output.counts.keys) == expected)
        let repeated = output.counts.values.filter { $0 > 1 }.count
        print("crash test: stored \(midway) before SIGKILL; \(repeated) ids re-published after the restart (same id, de-duplicated by consumers)")
    }
}

/// The `ingest` executable run as a child process against a fixture's configuration.
struct ServiceProcess {
    let process: Process

    static func start(fixture: IngestFixture, port: Int, maxBatch: Int) throws -> ServiceProcess {
        let configuration = fixture.configuration
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.binDirectory()).appendingPathComponent("ingest")
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = configuration.databaseURL
        environment["KAFKA_BOOTSTRAP"] = configuration.kafkaBootstrap
        environment["INGEST_SCHEMA"] = configuration.schema
        environment["INGEST_GROUP_ID"] = configuration.groupID
        environment["INGEST_TOPIC_PREFIX"] = configuration.topics.prefix
        environment["INGEST_ACCEPTED_TOPIC"] = configuration.acceptedTopic
        environment["INGEST_REJECTED_TOPIC"] = configuration.rejectedTopic
        environment["INGEST_AGENCIES_FILE"] = IngestFixture.repoRoot.appendingPathComponent("deploy/agencies.yaml").path
        environment["INGEST_AGENCY_TOKENS"] = configuration.tokens.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        environment["INGEST_HTTP_PORT"] = String(port)
        environment["INGEST_MAX_BATCH"] = String(maxBatch)
        environment["LOG_LEVEL"] = "warning"
        process.environment = environment
        try process.run()
        return ServiceProcess(process: process)
    }

    /// Sends `signal` and waits for the process to end, without blocking a thread of the
    /// cooperative pool: `waitUntilExit` would hold one of its two threads for the whole graceful
    /// shutdown, stalling every other suite running in parallel. A process still running 30 s
    /// later is a failed expectation, and is killed so the suite does not hang.
    func kill(signal: Int32) async {
        Foundation.kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        guard process.isRunning else { return }
        Issue.record("ingest did not exit within 30 s of signal \(signal)")
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    static func get(_ url: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            do {
                let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
                return String(decoding: data, as: UTF8.self)
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
