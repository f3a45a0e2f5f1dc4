import CreditModel
import Foundation
import KafkaClient
import Pipeline
import PostgresClient
@testable import Sanctions
import ServiceLifecycle
import ServiceSupport
import Testing
import TestSupport

/// The assembled service over the dev broker: event in, notice out, receipt in, decisions out.
@Suite struct ServiceTests {
    @Test func courtOrderOverKafkaFromEventToImposedDecisions() async throws {
        let fixture = try await Fixtures.make()
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let control = try BrokerControl.fromEnvironment()
        var configuration = SanctionsConfiguration(databaseURL: try TestEnvironment.databaseURL(), kafkaBootstrap: bootstrap)
        configuration.schema = fixture.schema
        configuration.groupID = TestEnvironment.uniqueName("sanctions-group")
        configuration.deadlineInterval = .milliseconds(100)
        var topics = SanctionsTopics()
        topics.scoreChanges = TestEnvironment.uniqueName("sanc-scores")
        topics.acceptedEvents = TestEnvironment.uniqueName("sanc-events")
        topics.receipts = TestEnvironment.uniqueName("sanc-receipts")
        topics.decisions = TestEnvironment.uniqueName("sanc-decisions")
        topics.notices = TestEnvironment.uniqueName("sanc-notices")
        configuration.topics = topics
        for topic in topics.consumed + [topics.decisions, topics.notices] { try await control.createTopic(topic, partitions: 2) }

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: Fixtures.logger)
        let service = SanctionsService(configuration: configuration, rulebook: Fixtures.rulebook, pool: fixture.pool, producer: producer,
                                       clock: fixture.clock, logger: Fixtures.logger)
        let key = Fixtures.person.rawValue
        let event = try MessageCoding.encodeString(Fixtures.event("court.order_ignored", id: "kafka-1"))
        _ = try await producer.send([
            KafkaOutgoingMessage(topic: topics.acceptedEvents, key: key, value: event),
            KafkaOutgoingMessage(topic: topics.acceptedEvents, key: key, value: "{not json"),
            KafkaOutgoingMessage(topic: topics.scoreChanges, key: key, value: #"{"schema":"score-change/1"}"#),
            KafkaOutgoingMessage(topic: topics.acceptedEvents, key: key, value: event),
        ])
        let group = ServiceGroup(services: service.services, gracefulShutdownSignals: [], logger: Fixtures.logger)
        var decisions: [Decision] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let notices = try await Self.read(NoticeRequest.self, topic: topics.notices, bootstrap: bootstrap, expected: 1)
            let notice = try #require(notices.first)
            #expect(notice.kind == .sanctionNotice)
            let receipt = NoticeReceipt(request: notice, status: .delivered, deliveredAt: fixture.clock.now(), channel: .mailbox)
            _ = try await producer.send([KafkaOutgoingMessage(topic: topics.receipts, key: key,
                                                              value: try MessageCoding.encodeString(receipt))])
            try await Self.waitUntil { try await fixture.cases().first?.state == .noticed }
            fixture.clock.advance(by: 11 * Fixtures.day)
            decisions = try await Self.read(Decision.self, topic: topics.decisions, bootstrap: bootstrap, expected: 5)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await producer.shutdown()
        #expect(decisions.count == 5)
        #expect(decisions.allSatisfy { $0.action == .imposed && $0.subject == Fixtures.person })
        #expect(decisions.contains { $0.measure == Measure(rawValue: "travel.flight_ban") })
        #expect(try await fixture.cases().map(\.state) == [.active])
        let rejected = try await fixture.pool.query("SELECT reason FROM \(identifier: fixture.schema).rejected_messages ORDER BY reason")
            .map { try $0.decode(String.self, at: 0) }
        #expect(rejected == ["invalid_json", "invalid_schema"])
        await fixture.shutdown()
    }

    /// Polls `condition` for up to 30 s.
    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met within 30 s")
    }

    /// Reads messages from `topic` until `expected` distinct ones arrived (or 30 s pass).
    static func read<Message: MessageSchema & Identified>(_ type: Message.Type, topic: String, bootstrap: String,
                                                          expected: Int) async throws -> [Message] {
        var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: TestEnvironment.uniqueName("sanc-check"))
        kafka.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: kafka, logger: Fixtures.logger)
        try await consumer.subscribe(topics: [topic])
        var messages: [String: Message] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && messages.count < expected {
            for message in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                let decoded = try MessageCoding.decode(Message.self, from: Data(message.value))
                messages[decoded.id] = decoded
            }
        }
        await consumer.close()
        return Array(messages.values)
    }
}

/// A message with an `id`.
protocol Identified { var id: String { get } }
extension NoticeRequest: Identified {}
extension Decision: Identified {}
