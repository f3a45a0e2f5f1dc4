import CreditModel
import Foundation
import Hummingbird
import HummingbirdTesting
import KafkaClient
import Notification
import Pipeline
import PostgresClient
import Prometheus
import ServiceLifecycle
import ServiceSupport
import Testing
import TestSupport

/// The assembled service: Kafka in, webhook out, receipts on Kafka, and the HTTP API.
@Suite struct ServiceTests {
    @Test func duplicateRequestSendsOnceBadInputIsDeadLetteredReceiptsArePublished() async throws {
        let (pool, schema) = try await Fixtures.migratedSchema()
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let control = try BrokerControl.fromEnvironment()
        let requestTopic = TestEnvironment.uniqueName("notif-req"), receiptTopic = TestEnvironment.uniqueName("notif-rcpt")
        try await control.createTopic(requestTopic, partitions: 2)
        try await control.createTopic(receiptTopic, partitions: 2)

        let request = Fixtures.sanctionNotice()
        var invalid = Fixtures.sanctionNotice()
        invalid.appealDays = nil
        var badID = Fixtures.sanctionNotice()
        badID.id = "not-a-uuid"
        let requestJSON = try MessageCoding.encodeString(request)
        let invalidJSON = try MessageCoding.encodeString(invalid), badIDJSON = try MessageCoding.encodeString(badID)
        let receiver = WebhookReceiver { _ in .status(200) }
        try await receiver.run { url in
            var configuration = NotificationConfiguration(databaseURL: try TestEnvironment.databaseURL(), kafkaBootstrap: bootstrap)
            configuration.schema = schema
            configuration.requestTopic = requestTopic
            configuration.receiptTopic = receiptTopic
            configuration.groupID = TestEnvironment.uniqueName("notif-group")
            configuration.routing = ChannelRouting(defaultWebhook: WebhookEndpoint(url: url, secret: "s"))
            configuration.delivery.pollInterval = .milliseconds(20)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: Fixtures.logger)
            let service = NotificationService(configuration: configuration, pool: pool, producer: producer,
                                              letters: try Fixtures.letters(), clock: ManualWallClock(Fixtures.deliveredAt),
                                              logger: Fixtures.logger)
            let key = Fixtures.subject.rawValue
            _ = try await producer.send([
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: requestJSON),
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: "{not json"),
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: #"{"schema":"notice-request/1","id":"x"}"#),
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: invalidJSON),
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: badIDJSON),
                KafkaOutgoingMessage(topic: requestTopic, key: key, value: requestJSON),
            ])
            let group = ServiceGroup(services: service.services, gracefulShutdownSignals: [], logger: Fixtures.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    let settled = try await pool.query("""
                        SELECT (SELECT count(*) FROM \(identifier: schema).notices WHERE status <> 'pending')::int,
                               (SELECT count(*) FROM \(identifier: schema).rejected_requests)::int,
                               (SELECT count(*) FROM \(identifier: schema).outbox)::int
                        """).first
                    if try settled?.decode(Int.self, at: 0) == 2, try settled?.decode(Int.self, at: 1) == 3,
                       try settled?.decode(Int.self, at: 2) == 0 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                // Give a second send, if there were one, the chance to show.
                try await Task.sleep(for: .milliseconds(300))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await producer.shutdown()
        }
        #expect(receiver.received.count == 1)
        #expect(receiver.received.first?.requestID == request.id)
        let reasons = try await pool.query("SELECT reason FROM \(identifier: schema).rejected_requests ORDER BY \"offset\"")
            .map { try $0.decode(String.self, at: 0) }
        #expect(reasons.sorted() == ["invalid_field", "invalid_json", "invalid_schema"])

        let receipts = try await Self.readReceipts(topic: receiptTopic, bootstrap: bootstrap, expected: 2)
        #expect(receipts.count == 2)
        let delivered = receipts.first { $0.requestID == request.id }
        #expect(delivered?.status == .delivered)
        #expect(delivered?.deliveredAt == Fixtures.deliveredAt)
        let failed = receipts.first { $0.requestID == invalid.id }
        #expect(failed?.status == .failed)
        #expect(failed?.reason?.hasPrefix("invalid_request") == true)
        await pool.shutdown()
    }

    @Test func noticesEndpointListsStatusAndRejectsBadCodes() async throws {
        let (pool, schema) = try await Fixtures.migratedSchema()
        let store = NoticeStore(schema: schema)
        let request = Fixtures.sanctionNotice(caseID: "case-api")
        try await pool.withTransaction { connection in
            _ = try store.record(request, receivedAt: Fixtures.requestedAt, on: connection)
            _ = try store.markDelivered(request.id, at: Fixtures.deliveredAt, channel: .mailbox, on: connection)
        }
        var configuration = NotificationConfiguration(databaseURL: try TestEnvironment.databaseURL(),
                                                      kafkaBootstrap: try TestEnvironment.kafkaBootstrap())
        configuration.schema = schema
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: configuration.kafkaBootstrap),
                                         logger: Fixtures.logger)
        let service = NotificationService(configuration: configuration, pool: pool, producer: producer,
                                          letters: try Fixtures.letters(), clock: ManualWallClock(), logger: Fixtures.logger)
        let app = Application(router: service.router(registry: PrometheusCollectorRegistry()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/subjects/\(Fixtures.subject.rawValue)/notices", method: .get) { response in
                #expect(response.status == .ok)
                let body = try MessageCoding.makeDecoder().decode(NoticesAPI.Body.self, from: Data(buffer: response.body))
                #expect(body.subject == Fixtures.subject.rawValue)
                #expect(body.notices.count == 1)
                #expect(body.notices.first?.caseID == "case-api")
                #expect(body.notices.first?.status == "delivered")
                #expect(body.notices.first?.channel == "mailbox")
                #expect(body.notices.first?.deliveredAt == Fixtures.deliveredAt)
                #expect(body.notices.first?.requestedAt == Fixtures.requestedAt)
                #expect(body.notices.first?.receivedAt == Fixtures.requestedAt)
            }
            try await client.execute(uri: "/v1/subjects/110101199003074514/notices", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""notices":[]"#))
            }
            try await client.execute(uri: "/v1/subjects/11010119900307451X/notices", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""error":"invalid_subject""#))
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        await producer.shutdown()
        await pool.shutdown()
    }

    /// Reads receipts from `topic` until `expected` distinct ones arrived (or 30 s pass).
    static func readReceipts(topic: String, bootstrap: String, expected: Int) async throws -> [NoticeReceipt] {
        var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: TestEnvironment.uniqueName("notif-check"))
        kafka.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: kafka, logger: Fixtures.logger)
        try await consumer.subscribe(topics: [topic])
        var receipts: [NoticeReceipt] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && Set(receipts.map(\.id)).count < expected {
            for message in try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)) {
                receipts.append(try MessageCoding.decode(NoticeReceipt.self, from: Data(message.value)))
            }
        }
        await consumer.close()
        return receipts
    }
}
