import CreditCtlKit
import CreditModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaClient
import Logging
import PostgresClient
import ServiceSupport
import Testing
import TestSupport

/// The whole pipeline as separate processes: the four service executables (launched with
/// `StackSupervisor`), a fresh database on the test PostgreSQL, a private mock cluster of the
/// dev broker (so no other test's topics are touched), a temporary clock file and mailbox.
/// One story: a court reports an ignored order → a case, a notice, a letter → the appeal
/// window passes on the shared clock → `decision/1` imposed on `sanctions.decisions`.
@Suite(.serialized) struct EndToEndTests {
    static let subject = "11010519491231002X"
    static let logger = Logger(label: "e2e")
    static let dishonestDebtorMeasures: Set<String> = [
        "travel.flight_ban", "travel.high_speed_rail_ban", "hotel.luxury_ban", "credit.new_card_denied", "list.public_blacklist",
    ]

    @Test func courtOrderIgnoredEndsInImposedDecisions() async throws {
        let world = try await E2EWorld.make()
        var supervisor: StackSupervisor?
        do {
            supervisor = try await StackSupervisor.start(services: StackService.allCases, configuration: world.configuration,
                                                         healthTimeout: .seconds(120), logger: Logger(label: "test.stack"))
            try await Self.story(world: world, stack: supervisor!)
            try await Self.exitIsReported(stack: supervisor!)
        } catch {
            if let supervisor { print("end-to-end test failed; service logs:\n\(supervisor.logTails())") }
            await supervisor?.stop(timeout: .seconds(10))
            await world.tearDown()
            throw error
        }
        await supervisor?.stop(timeout: .seconds(10))
        await world.tearDown()
    }

    /// The story of one ignored court order, from the agency's topic to the enforcers' topic.
    static func story(world: E2EWorld, stack: StackSupervisor) async throws {
        let configuration = world.configuration
        let event = AgencyEvent(eventID: "e2e-court-1", subject: try SubjectCode(validating: subject), kind: "court.order_ignored",
                                occurredAt: Date().addingTimeInterval(-3600), attributes: ["case": "(2026) E2E 1", "amount_cny": 52000])
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: world.cluster.bootstrap),
                                         logger: logger)
        _ = try await producer.send(topic: Topics.agencyEvents("court"), key: Array(subject.utf8),
                                value: Array(try MessageCoding.encode(event)))
        await producer.shutdown()

        // The case is opened and its notice delivered, both over HTTP and as a letter.
        let notices = try await eventually("the notice is delivered (notification \(configuration.url(of: .notification)))") {
            let body = try await getJSON("\(configuration.url(of: .notification))/v1/subjects/\(subject)/notices")
            let notices = body["notices"] as? [[String: Any]] ?? []
            return notices.contains { $0["status"] as? String == "delivered" } ? notices : nil
        }
        #expect(notices.count == 1, "one notice for one case: \(notices)")
        let noticed = try await eventually("the case is noticed") {
            let body = try await getJSON("\(configuration.url(of: .sanctions))/v1/subjects/\(subject)/cases")
            let cases = body["cases"] as? [[String: Any]] ?? []
            return cases.first { $0["state"] as? String == "noticed" }
        }
        #expect(noticed["appeal_deadline"] != nil, "a noticed case has an appeal deadline: \(noticed)")
        let letter = try String(contentsOfFile: "\(configuration.mailboxDirectory)/\(subject).txt", encoding: .utf8)
        #expect(letter.contains("NOTICE OF A PROPOSED SANCTION") && letter.contains("appeal within 10 days"),
                "the letter names the 10-day appeal window:\n\(letter)")
        if let caseID = noticed["case_id"] as? String { #expect(letter.contains(caseID), "the letter names case \(caseID)") }

        // Nothing is imposed inside the appeal window.
        let early = try await world.decisions(for: subject, quietFor: .seconds(3))
        #expect(early.isEmpty, "no decision before the appeal window has passed: \(early.map(\.measure))")

        // Past the window on the shared clock, the deadline job activates the case.
        try SharedOffsetClock.advance(URL(fileURLWithPath: configuration.clockFile!), by: 11 * 86_400)
        let decisions = try await world.decisions(for: subject, until: { decisions in
            Set(decisions.filter { $0.action == .imposed }.map(\.measure.rawValue)) == dishonestDebtorMeasures
        })
        let imposed = decisions.filter { $0.action == .imposed }
        #expect(Set(imposed.map(\.measure.rawValue)) == dishonestDebtorMeasures)
        #expect(imposed.allSatisfy { $0.subject.rawValue == subject && $0.policy == "dishonest-debtor.person@1" },
                "\(imposed.map { "\($0.subject) \($0.policy)" })")
        #expect(Set(imposed.map(\.caseID)).count == 1, "all measures come from one case")
        #expect(decisions.allSatisfy { $0.action == .imposed }, "\(decisions.map(\.action))")
        let active = try await eventually("the case is active") {
            let body = try await getJSON("\(configuration.url(of: .sanctions))/v1/subjects/\(subject)/cases")
            return (body["cases"] as? [[String: Any]] ?? []).first { $0["state"] as? String == "active" }
        }
        #expect(active["case_id"] as? String == imposed.first?.caseID)
    }

    /// A service that dies is reported at once on `exits`, with its status and log.
    static func exitIsReported(stack: StackSupervisor) async throws {
        let notification = try #require(stack.process(of: .notification))
        notification.process.send(SIGKILL)
        let report = try await withThrowingTaskGroup(of: ProcessExit?.self) { group in
            group.addTask {
                for await exit in stack.exits { return exit }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let exit = try #require(report, "the killed notification service was not reported within 10 s")
        #expect(exit.name == "notification")
        #expect(exit.status == .signalled(SIGKILL))
        #expect(exit.logPath.hasSuffix("notification.log"))
    }

    /// Polls `body` every 250 ms until it returns a value, for up to `timeout`.
    static func eventually<T>(_ what: String, timeout: Duration = .seconds(60),
                              _ body: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                if let value = try await body() { return value }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw E2EError("timed out after \(timeout) waiting until \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
    }

    /// `GET url` as a JSON object.
    static func getJSON(_ url: String) async throws -> [String: Any] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw E2EError("GET \(url): HTTP \(status) \(String(decoding: data, as: UTF8.self))") }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw E2EError("GET \(url): not a JSON object")
        }
        return object
    }
}

/// A failed expectation of the end-to-end test, with a message.
struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The private infrastructure of one end-to-end run: a database, a mock cluster with the
/// DESIGN §3 topics, a run directory, and the stack configuration over them.
struct E2EWorld: Sendable {
    let database: String
    let cluster: BrokerControl.Cluster
    let control: BrokerControl
    let runDirectory: String
    let configuration: StackConfiguration

    static func make() async throws -> E2EWorld {
        let control = try BrokerControl.fromEnvironment()
        let cluster = try await control.createCluster(brokers: 1)
        for topic in Topics.all { try await control.createTopic(topic, partitions: 2, cluster: cluster.id) }

        let database = "e2e_" + TestEnvironment.uniqueName("stack").replacingOccurrences(of: "-", with: "_")
        let adminURL = try TestEnvironment.databaseURL()
        let admin = PostgresPool(configuration: PostgresConfiguration(url: adminURL, poolSize: 1), logger: EndToEndTests.logger)
        _ = try await admin.execute("CREATE DATABASE \(identifier: database)")
        await admin.shutdown()
        guard var components = URLComponents(string: adminURL) else { throw E2EError("bad test database URL \(adminURL)") }
        components.path = "/\(database)"

        let runDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        var configuration = StackConfiguration(
            runDirectory: runDirectory, binDirectory: try TestEnvironment.binDirectory(),
            databaseURL: components.string!, kafkaBootstrap: cluster.bootstrap,
            tokens: StackFile.Tokens(agencies: ["court": DevTokens.randomToken()], officer: DevTokens.randomToken(),
                                     enforcer: DevTokens.randomToken()),
            workingDirectory: repositoryRoot, logLevel: "info")
        for service in StackService.allCases { configuration.ports[service] = try LauncherFiles.freePort() }
        // Deadline rounds every second rather than five, so the test does not wait for them.
        configuration.serviceEnvironment[.sanctions] = ["SANCTIONS_DEADLINE_INTERVAL": "1s"]
        return E2EWorld(database: database, cluster: cluster, control: control, runDirectory: runDirectory,
                        configuration: configuration)
    }

    /// The checkout (`CREDIT_REPO_ROOT`, set by scripts/test, else derived from this file).
    static var repositoryRoot: String {
        if let root = ProcessInfo.processInfo.environment["CREDIT_REPO_ROOT"], !root.isEmpty { return root }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The decisions for `subject` on `sanctions.decisions`, read from the start until
    /// `done(decisions)` holds (failing after 60 s) or, with `quietFor`, until nothing arrives for that long.
    func decisions(for subject: String, quietFor: Duration? = nil,
                   until done: @Sendable ([Decision]) -> Bool = { _ in false }) async throws -> [Decision] {
        var kafka = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrap, groupID: TestEnvironment.uniqueName("e2e-enforcer"))
        kafka.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: kafka, logger: EndToEndTests.logger)
        try await consumer.subscribe(topics: [Topics.sanctionsDecisions])
        var decisions: [Decision] = []
        var seen = Set<String>()
        let deadline = ContinuousClock.now + (quietFor.map { $0 + .seconds(10) } ?? .seconds(60))
        var lastArrival = ContinuousClock.now
        do {
            while ContinuousClock.now < deadline {
                for message in try await consumer.poll(maxMessages: 500, timeout: .milliseconds(250)) {
                    let decision = try MessageCoding.decode(Decision.self, from: Data(message.value))
                    guard decision.subject.rawValue == subject, seen.insert(decision.id).inserted else { continue }
                    decisions.append(decision)
                    lastArrival = ContinuousClock.now
                }
                if done(decisions) { break }
                if let quietFor, ContinuousClock.now - lastArrival >= quietFor { break }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        if quietFor == nil && !done(decisions) {
            throw E2EError("timed out waiting for the decisions; got \(decisions.map { "\($0.action) \($0.measure)" })")
        }
        return decisions
    }

    /// Drops the database, the cluster and the run directory.
    func tearDown() async {
        try? await control.destroyCluster(cluster.id)
        if let adminURL = try? TestEnvironment.databaseURL() {
            let admin = PostgresPool(configuration: PostgresConfiguration(url: adminURL, poolSize: 1), logger: EndToEndTests.logger)
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: database) WITH (FORCE)")
            await admin.shutdown()
        }
        try? FileManager.default.removeItem(atPath: runDirectory)
    }
}
