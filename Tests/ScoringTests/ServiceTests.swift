import CreditModel
import Foundation
import KafkaClient
import Logging
import PostgresClient
@testable import Scoring
import ServiceLifecycle
import ServiceSupport
import Testing
import TestSupport

/// The service end to end: `events.accepted` through the pipeline consumer to the ledger, the
/// outbox and `scores.changed`, on private topics, schema and group.
@Suite(.serialized) struct ServiceTests {
    static let logger = Logger(label: "scoring-service-tests")

    @Test func consumesScoresAndPublishesOnceEvenWhenRedelivered() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let control = try BrokerControl.fromEnvironment()
        var configuration = ScoringService.Configuration(databaseURL: try TestEnvironment.databaseURL(), kafkaBootstrap: bootstrap)
        configuration.schema = TestEnvironment.uniqueName("scoring_svc").replacingOccurrences(of: "-", with: "_")
        configuration.inputTopic = TestEnvironment.uniqueName("accepted")
        configuration.outputTopic = TestEnvironment.uniqueName("scores")
        configuration.group = TestEnvironment.uniqueName("scoring-group")
        configuration.rulebookPath = Fixtures.defaultRulebookURL.path
        try await control.createTopic(configuration.inputTopic, partitions: 2)
        try await control.createTopic(configuration.outputTopic, partitions: 2)

        let events = [
            Fixtures.event("dog.unleashed", "d1", day: 0, agency: "jinan-dogs"),
            Fixtures.event("dog.unleashed", "d2", day: 10, agency: "jinan-dogs"),
            Fixtures.event("court.order_ignored", "c1", subject: Fixtures.company, day: 1),
            Fixtures.event("deed.volunteering", "v1", subject: Fixtures.otherPerson, day: 2, agency: "collector"),
        ]
        // Every event twice: a redelivery must not count twice.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: Self.logger)
        _ = try await producer.send((events + events).map { event in
            KafkaOutgoingMessage(topic: configuration.inputTopic, key: Array(event.subject.rawValue.utf8),
                                 value: Array(try! MessageCoding.encode(event)))
        } + [KafkaOutgoingMessage(topic: configuration.inputTopic, key: "x", value: "not json")])
        await producer.shutdown()

        let parts = try await ScoringService.makeParts(configuration, clock: ManualWallClock(Fixtures.start), logger: Self.logger)
        let group = ServiceGroup(services: parts.services, gracefulShutdownSignals: [], logger: Self.logger)
        let schema = configuration.schema
        func count(_ table: String) async throws -> Int {
            try await parts.pool.query("SELECT count(*) FROM \(identifier: schema).\(identifier: table)").first?.decode(Int.self, at: 0) ?? -1
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(60)
            while true {
                let (ledger, waiting, rejected) = (try await count("ledger"), try await count("outbox"), try await count("rejected_messages"))
                if ledger >= 4 && waiting == 0 && rejected >= 1 { break }
                if ContinuousClock.now > deadline { Issue.record("scoring did not finish in time"); break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await parts.producer.shutdown()
        #expect(try await count("ledger") == 4)
        #expect(try await count("accepted_events") == 4)
        #expect(try await count("rejected_messages") == 1)

        // scores.changed carries one score-change/1 per entry, keyed by subject.
        var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: TestEnvironment.uniqueName("scores-check"))
        kafka.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: kafka, logger: Self.logger)
        try await consumer.subscribe(topics: [configuration.outputTopic])
        var changes: [ScoreChange] = []
        // Read until 4 arrived, then one more second: a fifth (duplicate) message must fail the test.
        let deadline = ContinuousClock.now + .seconds(30)
        var quietUntil: ContinuousClock.Instant?
        while ContinuousClock.now < (quietUntil ?? deadline) {
            if changes.count >= 4 && quietUntil == nil { quietUntil = ContinuousClock.now + .seconds(1) }
            for message in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                let change = try MessageCoding.decode(ScoreChange.self, from: Data(message.value))
                #expect(message.keyString == change.subject.rawValue)
                changes.append(change)
            }
        }
        await consumer.close()
        #expect(changes.count == 4)
        #expect(Set(changes.map(\.id)).count == changes.count)
        let sorted = changes.sorted { ($0.subject.rawValue, $0.occurredAt) < ($1.subject.rawValue, $1.occurredAt) }
        #expect(sorted.map(\.rule) == ["dog.unleashed@1", "dog.unleashed@1", "citizen.volunteering@1", "corporate.court-order-ignored@1"])
        #expect(sorted.map(\.delta) == [-3, -6, 5, -50])
        #expect(sorted.map(\.pointsAfter) == [9, 3, 1005, 950])
        await parts.pool.shutdown()
    }
}
