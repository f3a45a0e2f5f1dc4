import CreditModel
import Foundation
import Ingest
import KafkaClient
import Logging
import PostgresClient
import ServiceLifecycle
import ServiceSupport
import Testing
import TestSupport

/// One private ingest instance per test: its own schema, consumer group, agency topic prefix
/// (`t<random>.agency.<id>.events`, so agency ids stay the registry's) and output topics, so
/// tests run in parallel on the shared broker and database without seeing each other.
struct IngestFixture {
    static let logger = Logger(label: "ingest-tests")
    static let agencies = ["court", "traffic-police", "jinan-dogs", "nobody"]
    static let repoRoot: URL = {
        if let root = ProcessInfo.processInfo.environment["CREDIT_REPO_ROOT"], !root.isEmpty {
            return URL(fileURLWithPath: root)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    var configuration: IngestConfiguration
    let bootstrap: String

    var schema: String { configuration.schema }

    static func make() async throws -> IngestFixture {
        let registry = try AgencyRegistry.load(contentsOf: repoRoot.appendingPathComponent("deploy/agencies.yaml"))
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        var configuration = IngestConfiguration(databaseURL: try TestEnvironment.databaseURL(), kafkaBootstrap: bootstrap,
                                                registry: registry)
        let unique = TestEnvironment.uniqueName("t")
        configuration.schema = "ingest_" + unique.replacingOccurrences(of: "-", with: "_")
        configuration.groupID = "ingest-" + unique
        configuration.topics = AgencyTopics(prefix: unique + ".")
        configuration.acceptedTopic = unique + ".events.accepted"
        configuration.rejectedTopic = unique + ".events.rejected"
        configuration.tokens = ["court": "court-secret-\(unique)", "traffic-police": "traffic-secret-\(unique)"]
        configuration.http = HTTPConfiguration(port: 0)
        let control = try BrokerControl.fromEnvironment()
        for agency in agencies { try await control.createTopic(configuration.topics.topic(for: agency), partitions: 2) }
        try await control.createTopic(configuration.acceptedTopic, partitions: 4)
        try await control.createTopic(configuration.rejectedTopic, partitions: 4)
        return IngestFixture(configuration: configuration, bootstrap: bootstrap)
    }

    /// Produces `values` to `agency`'s topic, keyed by `key`.
    func produce(agency: String, _ values: [[UInt8]], key: String = "k") async throws {
        try await KafkaProducerHelper(bootstrap: bootstrap).send(topic: configuration.topics.topic(for: agency), values: values, keys: [key])
    }

    /// Prepares the service, runs its consumer and publisher while `body` runs, then stops them.
    func withService<T: Sendable>(clock: any WallClock = SystemWallClock(),
                                  _ body: (IngestService) async throws -> T) async throws -> T {
        let service = try await IngestService.prepare(configuration: configuration, clock: clock, logger: Self.logger)
        let group = ServiceGroup(services: [service.publisher, service.consumer], gracefulShutdownSignals: [], logger: Self.logger)
        do {
            let value = try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                defer { tasks.cancelAll() }
                let value = try await body(service)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            }
            await service.close()
            return value
        } catch {
            await service.close()
            throw error
        }
    }

    /// Waits (up to 60 s) until `condition` holds.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            if ContinuousClock.now > deadline {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func count(_ pool: PostgresPool, _ sql: PostgresQuery) async throws -> Int {
        try await pool.query(sql).first?.decode(Int.self, at: 0) ?? -1
    }

    /// Reads `topic` from the start until `expected` distinct message ids arrived (or 30 s), then
    /// a little longer; returns how often each message id was seen, and the payloads by id.
    func readOutput(_ topic: String, expected: Int) async throws -> (counts: [String: Int], payloads: [String: [UInt8]]) {
        var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: TestEnvironment.uniqueName("ingest-check"))
        kafka.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: kafka, logger: Self.logger)
        try await consumer.subscribe(topics: [topic])
        var counts: [String: Int] = [:], payloads: [String: [UInt8]] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        var extra = 0
        while ContinuousClock.now < deadline && extra < 3 {
            for message in try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(200)) {
                guard let id = message.headers.first(where: { $0.name == "message-id" })?.value else { continue }
                let text = String(decoding: id, as: UTF8.self)
                counts[text, default: 0] += 1
                payloads[text] = message.value
            }
            if counts.count >= expected { extra += 1 }
        }
        await consumer.close()
        return (counts, payloads)
    }

    /// The intake of this fixture's schema and topics, for calling it directly.
    func intake() -> EventIntake {
        EventIntake(schema: schema, registry: configuration.registry, acceptedTopic: configuration.acceptedTopic,
                    rejectedTopic: configuration.rejectedTopic)
    }
}

/// Builders of agency-event JSON for the tests.
enum Events {
    static let person = "11010519491231002X"
    static let otherPerson = "110101199003074514"
    static let company = "91350100M000100Y43"

    static func object(_ id: String, subject: String = person, kind: String = "court.order_ignored",
                       occurredAt: String = "2026-01-10T09:30:00Z", attributes: JSONValue = ["case": "A-1"],
                       retracts: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "schema": "agency-event/1", "event_id": .string(id), "subject": .string(subject), "kind": .string(kind),
            "occurred_at": .string(occurredAt), "attributes": attributes,
        ]
        if let retracts { members["retracts"] = .string(retracts) }
        return .object(members)
    }

    static func bytes(_ value: JSONValue) -> [UInt8] { Array(try! MessageCoding.encode(value)) }

    /// One case per rejection reason that needs no earlier event, sent by `court` unless noted:
    /// (agency, event id to look for or nil, message bytes, expected reason).
    static func rejectionCases(tag: String, now: Date) -> [(agency: String, eventID: String?, bytes: [UInt8], reason: RejectionReason)] {
        func id(_ name: String) -> String { "\(tag)-\(name)" }
        func withField(_ name: String, _ value: JSONValue?, _ base: JSONValue) -> [UInt8] {
            guard case .object(var members) = base else { return [] }
            members[name] = value
            return bytes(.object(members))
        }
        let future = RFC3339.format(now.addingTimeInterval(3600))
        let deep: JSONValue = ["a": ["b": ["c": ["d": ["e": ["f": ["g": ["h": ["i": 1]]]]]]]]]
        return [
            ("court", nil, Array("{not json".utf8), .invalidJSON),
            ("court", id("schema"), withField("schema", "agency-event/2", object(id("schema"))), .invalidSchema),
            ("court", id("missing"), withField("subject", nil, object(id("missing"))), .missingField),
            ("court", id("field"), withField("subject", 12345, object(id("field"))), .invalidField),
            ("court", "", bytes(object("")), .invalidEventID),
            ("court", id("subject"), bytes(object(id("subject"), subject: "11010119900307451X")), .invalidSubject),
            ("traffic-police", id("mismatch"), bytes(object(id("mismatch"), subject: company, kind: "traffic.violation",
                                                           attributes: ["severity": 2])), .subjectTypeMismatch),
            ("court", id("unknown-kind"), bytes(object(id("unknown-kind"), kind: "court.flying_pigs")), .unknownKind),
            ("court", id("mandate"), bytes(object(id("mandate"), kind: "traffic.violation", attributes: ["severity": 1])),
             .kindNotPermitted),
            ("court", id("time"), bytes(object(id("time"), occurredAt: "last tuesday")), .invalidTime),
            ("court", id("old"), bytes(object(id("old"), occurredAt: "1948-12-31T23:59:59Z")), .invalidTime),
            ("court", id("future"), bytes(object(id("future"), occurredAt: future)), .futureTime),
            ("court", id("large"), bytes(object(id("large"), attributes: ["blob": .string(String(repeating: "x", count: 70_000))])),
             .tooLarge),
            ("court", id("attributes"), bytes(object(id("attributes"), attributes: [1, 2])), .invalidAttributes),
            ("court", id("deep"), bytes(object(id("deep"), attributes: deep)), .invalidAttributes),
            ("traffic-police", id("severity"), bytes(object(id("severity"), kind: "traffic.violation", attributes: [:])),
             .invalidAttributes),
            ("court", id("retract"), bytes(object(id("retract"), retracts: id("never-sent"))), .unknownRetractionTarget),
        ]
    }
}

/// Produces many messages in chunks.
struct KafkaProducerHelper {
    let producer: KafkaProducer

    init(bootstrap: String) throws {
        producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: IngestFixture.logger)
    }

    func send(topic: String, values: [[UInt8]], keys: [String]) async throws {
        for start in stride(from: 0, to: values.count, by: 5000) {
            _ = try await producer.send((start..<min(start + 5000, values.count)).map {
                KafkaOutgoingMessage(topic: topic, key: Array(keys[$0 % keys.count].utf8), value: values[$0])
            })
        }
        await producer.shutdown()
    }
}
