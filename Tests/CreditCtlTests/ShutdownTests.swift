import CreditCtlKit
import CreditModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaClient
import Logging
import Synchronization
import Testing
import TestSupport

/// Each service executable, after real traffic over Kafka and HTTP, must stop on SIGTERM with
/// exit 0 well inside its graceful-shutdown budget (15 s). A part that neither finishes nor
/// reacts to cancellation makes swift-service-lifecycle crash the process after 15 + 10 s
/// ("Cancellation took longer than allowed", signal 4).
@Suite(.serialized) struct ShutdownTests {
    static let bound = Duration.seconds(20)

    @Test func everyServiceExitsZeroOnSIGTERMAfterTraffic() async throws {
        try await Self.withStack { world, supervisor in
            // Requests keep arriving on a kept-alive connection while the stack stops. The loop
            // is stopped by a flag, not by cancelling its task: cancelling a task inside
            // `URLSession.data(for:)` deadlocked the test process once (FoundationNetworking's
            // cancel handler waits on the session's queue while holding the task's status lock,
            // which the request's completion on that queue needs), with both cooperative threads
            // stuck and every other test waiting behind them.
            let stop = Mutex(false)
            let posting = Task { await Self.keepPosting(world: world) { stop.withLock { $0 } } }
            await Self.expectLowerPriorityOffTheScorePath(supervisor)
            await Self.expectCleanStops(supervisor)
            stop.withLock { $0 = true }
            await posting.value
        }
    }

    /// The brokers are gone when the services are told to stop (consumers cannot leave their
    /// groups, publishers get no acknowledgements): each must still exit 0 within the bound.
    @Test func everyServiceExitsZeroOnSIGTERMWhenTheBrokerIsGone() async throws {
        try await Self.withStack { world, supervisor in
            _ = try await Self.post(world: world, tag: "before-broker-down")
            try await world.control.setBroker(1, down: true, cluster: world.cluster.id)
            _ = try await Self.post(world: world, tag: "after-broker-down")  // accepted into the outbox
            try await Task.sleep(for: .seconds(1))
            await Self.expectCleanStops(supervisor)
        }
    }

    /// Starts the four services on a private cluster and database, sends traffic until every
    /// service has consumed, committed and published, runs `body`, and tears everything down.
    static func withStack(_ body: (E2EWorld, StackSupervisor) async throws -> Void) async throws {
        let world = try await E2EWorld.make()
        var supervisor: StackSupervisor?
        do {
            supervisor = try await StackSupervisor.start(services: StackService.allCases, configuration: world.configuration,
                                                         healthTimeout: .seconds(120), logger: Logger(label: "test.stack"))
            try await traffic(world: world)
            _ = try await EndToEndTests.eventually("a notice is delivered") {
                let url = "\(world.configuration.url(of: .notification))/v1/subjects/\(EndToEndTests.subject)/notices"
                let notices = try await EndToEndTests.getJSON(url)["notices"] as? [[String: Any]] ?? []
                return notices.contains { $0["status"] as? String == "delivered" } ? notices : nil
            }
            try await body(world, supervisor!)
        } catch {
            if let supervisor { print("shutdown test failed; service logs:\n\(supervisor.logTails())") }
            await supervisor?.stop(timeout: .seconds(10))
            await world.tearDown()
            throw error
        }
        await supervisor?.stop(timeout: .seconds(10))
        await world.tearDown()
    }

    /// The stack runs sanctions and notification at nice 10 (`SERVICE_NICE`), every one of
    /// their threads (those libdispatch starts later are lowered within a second), and leaves
    /// ingest and scoring alone (libdispatch gives some of their threads a higher priority).
    static func expectLowerPriorityOffTheScorePath(_ supervisor: StackSupervisor) async {
        for service in supervisor.processes {
            let offPath = [.sanctions, .notification].contains(service.service)
            var nice = threadNiceValues(of: service.process.pid)
            let deadline = ContinuousClock.now + .seconds(5)
            while offPath, !nice.allSatisfy({ $0 == 10 }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(200))
                nice = threadNiceValues(of: service.process.pid)
            }
            #expect(nice.count > 1 && nice.allSatisfy { offPath ? $0 == 10 : $0 <= 0 }, "\(service.service.rawValue): \(nice)")
        }
    }

    /// The nice value of each thread of process `pid` (field 19 of `/proc/<pid>/task/<tid>/stat`).
    static func threadNiceValues(of pid: pid_t) -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
    }

    /// SIGTERMs each service in pipeline order and expects exit 0 within `bound`.
    static func expectCleanStops(_ supervisor: StackSupervisor) async {
        for service in supervisor.processes {
            let start = ContinuousClock.now
            let status = await service.process.terminate(timeout: .seconds(40))
            let took = ContinuousClock.now - start
            let name = service.service.rawValue
            // Its log lines, without a crash's backtrace.
            let log = service.process.logTail(400).split(separator: "\n")
                .filter { $0.contains(" \(name): ") || $0.contains("Fatal error") }.suffix(30).joined(separator: "\n")
            #expect(status == .exited(0), "\(name) ended with \(status) after \(took):\n\(log)")
            #expect(took < bound, "\(name) took \(took) to stop:\n\(log)")
        }
    }

    /// Court events over Kafka and over HTTP, for the end-to-end subject and some others.
    static func traffic(world: E2EWorld) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: world.cluster.bootstrap),
                                         logger: EndToEndTests.logger)
        var messages: [KafkaOutgoingMessage] = []
        for index in 0..<200 {
            let subject = index == 0 ? EndToEndTests.subject : "110101199003074514"
            let event = AgencyEvent(eventID: "shutdown-kafka-\(index)", subject: try SubjectCode(validating: subject),
                                    kind: "court.order_ignored", occurredAt: Date().addingTimeInterval(-3600),
                                    attributes: ["case": .string("(2026) SD \(index)"), "amount_cny": 1000])
            messages.append(KafkaOutgoingMessage(topic: Topics.agencyEvents("court"), key: Array(subject.utf8),
                                                 value: Array(try MessageCoding.encode(event))))
        }
        _ = try await producer.send(messages)
        await producer.shutdown()
        for batch in 0..<5 { _ = try await post(world: world, tag: "http-\(batch)") }
    }

    /// Posts events to ingest until `stopped` says so (errors once it stops listening are expected).
    static func keepPosting(world: E2EWorld, stopped: @Sendable () -> Bool) async {
        var batch = 0
        while !stopped() {
            batch += 1
            if (try? await post(world: world, tag: "late-\(batch)")) == nil { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }

    /// `POST /v1/events` with ten court events; returns the HTTP status.
    static func post(world: E2EWorld, tag: String) async throws -> Int {
        let events: [JSONValue] = (0..<10).map { index in
            ["schema": "agency-event/1", "event_id": .string("shutdown-\(tag)-\(index)"), "subject": "110101199003074514",
             "kind": "court.order_ignored", "occurred_at": "2026-01-10T09:30:00Z", "attributes": ["case": "A-1"]]
        }
        var request = URLRequest(url: URL(string: "\(world.configuration.url(of: .ingest))/v1/events")!)
        request.httpMethod = "POST"
        request.httpBody = try MessageCoding.encode(JSONValue.array(events))
        request.setValue("Bearer \(world.configuration.tokens.agencies["court"] ?? "")", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
