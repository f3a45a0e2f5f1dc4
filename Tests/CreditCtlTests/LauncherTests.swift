import CreditCtlKit
import CreditModel
import Foundation
import Logging
import PostgresClient
import Testing

/// The launcher's parts on their own: child processes, dev tokens, service environments, and a
/// private PostgreSQL cluster.
@Suite struct LauncherTests {
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    @Test func childProcessReportsExitAndOutput() async throws {
        let directory = try Self.temporaryDirectory("child")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess.spawn("/bin/sh", arguments: ["-c", "echo \"hello $GREETING from $(pwd)\"; exit 3"],
                                           environment: ["GREETING": "world"], workingDirectory: directory,
                                           logPath: "\(directory)/logs/out.log")
        #expect(await child.exitStatus() == .exited(3))
        #expect(child.logTail() == "hello world from \(directory)")
    }

    @Test func terminateEscalatesToSIGKILL() async throws {
        let directory = try Self.temporaryDirectory("child")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Ignores SIGTERM, so only the SIGKILL after the timeout ends it.
        let child = try ChildProcess.spawn("/bin/sh", arguments: ["-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"],
                                           environment: ["PATH": "/usr/bin:/bin"], logPath: "\(directory)/out.log")
        let deadline = ContinuousClock.now + .seconds(10)
        while child.logTail() != "ready" && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let started = ContinuousClock.now
        #expect(await child.terminate(timeout: .milliseconds(500)) == .signalled(SIGKILL))
        #expect(ContinuousClock.now - started >= .milliseconds(500))
        #expect(child.status == .signalled(SIGKILL))
    }

    @Test func missingExecutableSaysToBuild() {
        #expect(throws: LauncherError.notExecutable("/nonexistent/ingest")) {
            try ChildProcess.spawn("/nonexistent/ingest", environment: [:], logPath: "/tmp/unused.log")
        }
    }

    @Test func devTokensAreCreatedOncePrivateAndCompleted() throws {
        let directory = try Self.temporaryDirectory("tokens")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/tokens.json"
        let court = Agency(id: "court", name: "Court", kinds: ["court.order_ignored"])
        let dogs = Agency(id: "jinan-dogs", name: "Dogs", kinds: ["dog.unleashed"])
        let first = try DevTokens.loadOrCreate(at: path, registry: AgencyRegistry(agencies: [court]))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(first.agencies.keys.sorted() == ["court"])
        #expect(first.officer != first.enforcer && first.officer.count >= 32)
        #expect(!first.agencies["court"]!.contains(":") && !first.agencies["court"]!.contains(","))
        let second = try DevTokens.loadOrCreate(at: path, registry: AgencyRegistry(agencies: [court, dogs]))
        #expect(second.agencies["court"] == first.agencies["court"] && second.officer == first.officer)
        #expect(second.agencies["jinan-dogs"] != nil)
        #expect(try DevTokens.loadOrCreate(at: path, registry: AgencyRegistry(agencies: [court, dogs])) == second)
    }

    @Test func serviceEnvironmentsCarryExactlyTheStackSettings() {
        let tokens = StackFile.Tokens(agencies: ["court": "c1", "jinan-dogs": "d1"], officer: "o1", enforcer: "e1")
        var configuration = StackConfiguration(runDirectory: "/srv/run", binDirectory: "/srv/bin",
                                               databaseURL: "postgresql://db/x", kafkaBootstrap: "127.0.0.1:1",
                                               tokens: tokens, portBase: 18081, workingDirectory: "/srv/checkout",
                                               logLevel: "debug")
        configuration.extraEnvironment = ["EXTRA": "1"]
        configuration.serviceEnvironment[.sanctions] = ["SANCTIONS_DEADLINE_INTERVAL": "1s", "LOG_LEVEL": "trace"]
        let ingest = configuration.environment(for: .ingest)
        #expect(ingest["DATABASE_URL"] == "postgresql://db/x" && ingest["KAFKA_BOOTSTRAP"] == "127.0.0.1:1")
        #expect(ingest["INGEST_HTTP_PORT"] == "18081" && ingest["LOG_LEVEL"] == "debug" && ingest["EXTRA"] == "1")
        #expect(ingest["INGEST_AGENCY_TOKENS"] == "court:c1,jinan-dogs:d1")
        #expect(ingest["INGEST_AGENCIES_FILE"] == "/srv/checkout/deploy/agencies.yaml")
        #expect(ingest["CREDIT_DEV_CLOCK_FILE"] == "/srv/run/clock")
        #expect(ingest["SANCTIONS_OFFICER_TOKEN"] == nil && ingest["SCORING_HTTP_PORT"] == nil)
        let sanctions = configuration.environment(for: .sanctions)
        #expect(sanctions["SANCTIONS_HTTP_PORT"] == "18083" && sanctions["SANCTIONS_OFFICER_TOKEN"] == "o1")
        #expect(sanctions["SANCTIONS_ENFORCER_TOKEN"] == "e1" && sanctions["LOG_LEVEL"] == "trace")
        #expect(sanctions["INGEST_AGENCY_TOKENS"] == nil)
        // Off the score path, sanctions' batches linger longer, unless the caller says otherwise.
        let inheritedLinger = ProcessInfo.processInfo.environment["PIPELINE_BATCH_LINGER_MS"]
        #expect(sanctions["PIPELINE_BATCH_LINGER_MS"] == inheritedLinger ?? "20")
        #expect(ingest["PIPELINE_BATCH_LINGER_MS"] == inheritedLinger)
        #expect(configuration.environment(for: .scoring)["PIPELINE_BATCH_LINGER_MS"] == inheritedLinger)
        // ... whatever their size, while a burst on the score path goes at once.
        let inheritedBelow = ProcessInfo.processInfo.environment["PIPELINE_BATCH_LINGER_BELOW"]
        #expect(sanctions["PIPELINE_BATCH_LINGER_BELOW"] == inheritedBelow ?? "2001")
        #expect(ingest["PIPELINE_BATCH_LINGER_BELOW"] == inheritedBelow)
        let notification = configuration.environment(for: .notification)
        #expect(notification["NOTIFICATION_HTTP_PORT"] == "18084")
        #expect(notification["NOTIFICATION_MAILBOX_DIR"] == "/srv/run/mailbox")
        #expect(notification["NOTIFICATION_TEMPLATES_DIR"] == "/srv/checkout/deploy/templates")
        // Off the score path, sanctions and notification fetch less often, while ingest and
        // scoring keep the short wait.
        let inheritedWait = ProcessInfo.processInfo.environment["KAFKA_FETCH_WAIT_MAX_MS"]
        #expect(sanctions["KAFKA_FETCH_WAIT_MAX_MS"] == inheritedWait ?? "50")
        #expect(notification["KAFKA_FETCH_WAIT_MAX_MS"] == inheritedWait ?? "50")
        #expect(ingest["KAFKA_FETCH_WAIT_MAX_MS"] == inheritedWait)
        #expect(configuration.environment(for: .scoring)["KAFKA_FETCH_WAIT_MAX_MS"] == inheritedWait)
        #expect(configuration.environment(for: .scoring)["SCORING_RULEBOOK"] == "/srv/checkout/deploy/rulebooks/default.yaml")
        #expect(configuration.url(of: .scoring) == "http://127.0.0.1:18082")
    }

    /// Only the basics and the broker-dependent Kafka settings reach a launched service.
    @Test func launchedServicesInheritOnlyTheBasicsAndTheKafkaTuning() {
        let kept = ServiceEnvironment.inherited(from: ["PATH": "/bin", "KAFKA_FETCH_WAIT_MAX_MS": "500", "KAFKA_MAX_IN_FLIGHT": "5",
                                                       "KAFKA_LINGER_MS": "3", "PIPELINE_LANES": "1",
                                                       "DATABASE_URL": "postgresql://elsewhere/db", "INGEST_SCHEMA": "x"])
        #expect(kept == ["PATH": "/bin", "KAFKA_FETCH_WAIT_MAX_MS": "500", "KAFKA_MAX_IN_FLIGHT": "5", "KAFKA_LINGER_MS": "3",
                         "PIPELINE_LANES": "1"])
    }

    @Test func serviceListsAreParsedAndOrdered() throws {
        #expect(try StackService.parseList("notification, ingest,ingest") == [.ingest, .notification])
        #expect(throws: LauncherError.self) { try StackService.parseList("ingest,billing") }
    }

    /// Ports for children come from outside the kernel's ephemeral range, where an outgoing
    /// connection could take them between the choice and the child's `bind` (CI saw scoring fail
    /// with "Address already in use"), and one process never gets the same port twice.
    @Test func freePortsAvoidTheEphemeralRangeAndRepeats() throws {
        let text = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let ephemeral = bounds[0]...bounds[1]
        var seen = Set<Int>()
        for _ in 0..<200 {
            let port = try LauncherFiles.freePort()
            #expect(!ephemeral.contains(port), "\(port) is in the ephemeral range \(ephemeral)")
            #expect(seen.insert(port).inserted, "\(port) handed out twice")
        }
        let base = try LauncherFiles.freePorts(count: 4)
        for port in base..<(base + 4) {
            #expect(!ephemeral.contains(port) && !seen.contains(port))
            #expect(!LauncherFiles.isListening(port: port))
        }
    }

    @Test func postgresClusterIsCreatedOnceAndReused() async throws {
        let directory = try Self.temporaryDirectory("pgcluster")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = PostgresCluster(directory: "\(directory)/pg", serverOptions: ["-c", "fsync=off"])
        let url = try await cluster.start()
        #expect(url.hasPrefix("postgresql://postgres@127.0.0.1:"))
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 1), logger: Logger(label: "launcher-test"))
        _ = try await pool.execute("CREATE TABLE kept (id int)")
        await pool.shutdown()
        let port = try #require(await cluster.runningPort())
        #expect(url == PostgresCluster.databaseURL(port: port))
        #expect(LauncherFiles.isListening(port: port))
        // A second start while it runs keeps it (and its port).
        #expect(try await cluster.start(port: port + 1) == url)
        try await cluster.stop()
        #expect(await cluster.runningPort() == nil)
        // Restarting reuses the data instead of running initdb again.
        let again = try await cluster.start()
        let reopened = PostgresPool(configuration: PostgresConfiguration(url: again, poolSize: 1), logger: Logger(label: "launcher-test"))
        let kept = try await reopened.query("SELECT count(*)::int FROM kept")
        await reopened.shutdown()
        #expect(kept.count == 1)
        try await cluster.stop()
    }
}
