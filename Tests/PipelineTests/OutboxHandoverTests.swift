import Foundation
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import Testing
import TestSupport

/// Messages handed to the publisher after a commit (`OutboxPublisher.publish(_:)`) are sent
/// without reading them back and deleted later, never overtake rows a pass must publish first,
/// and fall back to a pass when sending fails.
@Suite(.serialized) struct OutboxHandoverTests {
    static let logger = PipelineTests.logger
    typealias Fixture = PipelineTests.Fixture

    private static func message(_ index: Int, topic: String, bytes: Int = 0) -> OutboxMessage {
        OutboxMessage(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!, topic: topic, key: "one-subject",
                      payload: bytes > 0 ? Array(repeating: UInt8(ascii: "x"), count: bytes) : Array("message \(index)".utf8))
    }

    /// Runs `publisher` while `body` runs, then shuts it down gracefully.
    private static func running(_ publisher: OutboxPublisher, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [publisher], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    private static func outboxCount(_ fixture: Fixture) async throws -> Int {
        try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox")
    }

    /// A one-partition fixture with its outbox and a publisher of it.
    private struct Harness {
        let fixture: Fixture
        let outbox: Outbox
        let producer: KafkaProducer
        let publisher: OutboxPublisher

        /// Periodic passes `idleInterval` apart (from the start every `rescanInterval`).
        init(batchSize: Int = 2000, idleInterval: Duration = .milliseconds(200), rescanInterval: Duration = .seconds(1)) async throws {
            fixture = try await Fixture.make(partitions: 1)
            outbox = Outbox(schema: fixture.schema)
            producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: fixture.bootstrap), logger: logger)
            publisher = OutboxPublisher(pool: fixture.pool, producer: producer, schema: fixture.schema, batchSize: batchSize,
                                        idleInterval: idleInterval, rescanInterval: rescanInterval, logger: logger)
        }

        /// Commits `messages` to the outbox.
        func enqueue(_ messages: [OutboxMessage]) async throws -> Outbox.Enqueued {
            let outbox = outbox
            return try await fixture.pool.withTransaction { try outbox.enqueue(messages, on: $0) }
        }

        func close() async {
            await producer.shutdown()
            await fixture.pool.shutdown()
        }
    }

    /// The positions an enqueue reports are the rows' own, in the order of the messages.
    @Test func enqueuedMessagesKnowTheirPositionsAfterTheCommit() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let outbox = Outbox(schema: fixture.schema)
        let messages = (0..<25).map { Self.message($0, topic: fixture.output) }
        let enqueued = try await fixture.pool.withTransaction { connection in
            try outbox.enqueue(Array(messages[..<5]), on: connection)  // takes lower positions
            return try outbox.enqueue(Array(messages[5...]), on: connection)
        }
        let pending = try #require(enqueued.pending())
        #expect(pending.map(\.message.id) == messages[5...].map(\.id))
        let stored = try await fixture.pool.query("SELECT seq, message_id FROM \(identifier: fixture.schema).outbox ORDER BY seq")
        let byID = Dictionary(uniqueKeysWithValues: try stored.map { (try $0.decode(UUID.self, at: 1), try $0.decode(Int64.self, at: 0)) })
        #expect(pending.allSatisfy { byID[$0.message.id] == $0.seq })
        await fixture.pool.shutdown()
    }

    /// Handed-over messages go out as they are (no pass sends them), in order, and leave the
    /// table afterwards.
    @Test func handedOverMessagesAreSentAtOnceAndDeletedLater() async throws {
        // Periodic passes 2 s apart, so that none comes between a commit and its hand-over.
        let harness = try await Harness(idleInterval: .seconds(2), rescanInterval: .seconds(2))
        let fixture = harness.fixture, publisher = harness.publisher
        let messages = (0..<60).map { Self.message($0, topic: fixture.output) }
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the first pass (from the start) is done") { publisher.passesCompleted > 0 }
            for batch in stride(from: 0, to: messages.count, by: 20) {
                publisher.publish(try await harness.enqueue(Array(messages[batch..<(batch + 20)])))
            }
            try await PipelineTests.waitUntil("the handed-over rows are sent") { publisher.sentAsHandedOver == messages.count }
            try await PipelineTests.waitUntil("they are deleted") { try await Self.outboxCount(fixture) == 0 }
        }
        #expect(publisher.sentAsHandedOver == messages.count, "none went through a pass")
        let output = try await fixture.outputIDsInOrder(expected: messages.count)
        #expect(output == messages.map { $0.id.uuidString.lowercased() }, "each once, in order")
        await harness.close()
    }

    /// A row nobody handed over (a crash's leftover, a previous owner's) that a consumer
    /// announced with `wake(fromStart:)` goes out before messages handed over after it.
    @Test func aRequestedPassGoesBeforeLaterHandedOverMessages() async throws {
        let harness = try await Harness(idleInterval: .seconds(30), rescanInterval: .seconds(30))
        let fixture = harness.fixture, publisher = harness.publisher
        let leftover = Self.message(1, topic: fixture.output), later = Self.message(2, topic: fixture.output)
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the first pass is done; the next periodic one is 30 s away") { publisher.passesCompleted > 0 }
            _ = try await harness.enqueue([leftover])
            let enqueued = try await harness.enqueue([later])
            publisher.wake(fromStart: true)
            publisher.publish(enqueued)
            try await PipelineTests.waitUntil("both rows are published") { try await Self.outboxCount(fixture) == 0 }
        }
        #expect(publisher.sentAsHandedOver == 0, "the pass sent the handed-over row too, so it was not sent again")
        let output = try await fixture.outputIDsInOrder(expected: 2)
        #expect(output == [leftover, later].map { $0.id.uuidString.lowercased() })
        await harness.close()
    }

    /// A handed-over batch the broker refuses (one message too large) falls back to a pass
    /// from the start: the refused message moves to `outbox_dead`, the others go out in order.
    @Test func aFailedSendFallsBackToAPass() async throws {
        let harness = try await Harness()
        let fixture = harness.fixture, publisher = harness.publisher
        var messages = (0..<10).map { Self.message($0, topic: fixture.output) }
        messages[4] = Self.message(4, topic: fixture.output, bytes: 2_000_000)
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the first pass is done") { publisher.passesCompleted > 0 }
            publisher.publish(try await harness.enqueue(messages))
            try await PipelineTests.waitUntil("the rows leave the outbox") { try await Self.outboxCount(fixture) == 0 }
        }
        let dead = try await fixture.pool.query("SELECT message_id FROM \(identifier: fixture.schema).outbox_dead")
        #expect(try dead.map { try $0.decode(UUID.self, at: 0) } == [messages[4].id])
        let expected = messages.filter { $0.payload.count < 1_000_000 }.map { $0.id.uuidString.lowercased() }
        #expect(try await fixture.firstCopiesOfOutputIDs(expected: expected.count) == expected, "the others, in order")
        await harness.close()
    }

    /// While sending is stuck, hand-overs do not pile up in memory: beyond 8 batches the queue
    /// is dropped and a pass from the start publishes the rows from the table, in order.
    @Test func handOversBeyondTheLimitAreLeftToAPass() async throws {
        let harness = try await Harness(batchSize: 5)  // a limit of 40 waiting messages
        let fixture = harness.fixture, publisher = harness.publisher
        let messages = (0..<60).map { Self.message($0, topic: fixture.output) }
        publisher.publish(try await harness.enqueue(Array(messages[..<30])))
        #expect(publisher.handedOverWaiting == 30, "not running yet: they wait")
        publisher.publish(try await harness.enqueue(Array(messages[30...])))
        #expect(publisher.handedOverWaiting == 0, "60 would pass the limit: left to a pass")
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the rows leave the outbox") { try await Self.outboxCount(fixture) == 0 }
        }
        #expect(publisher.sentAsHandedOver == 0)
        let output = try await fixture.outputIDsInOrder(expected: messages.count)
        #expect(output == messages.map { $0.id.uuidString.lowercased() }, "each once, in order")
        await harness.close()
    }

    /// A pass asked for after an assignment that finds more than a batch goes on right after
    /// each batch until it is through, before anything handed over is sent: rows committed late
    /// below the last position published (here by a transaction that held its positions while
    /// handed-over rows went out) must not wait for the next rescan while later rows overtake them.
    @Test func aPassOfSeveralBatchesGoesBeforeHandedOverMessages() async throws {
        let harness = try await Harness(batchSize: 5, idleInterval: .seconds(30), rescanInterval: .seconds(30))
        let fixture = harness.fixture, publisher = harness.publisher, outbox = harness.outbox
        let early = (0..<3).map { Self.message($0, topic: fixture.output) }
        let leftovers = (10..<22).map { Self.message($0, topic: fixture.output) }
        let later = (30..<33).map { Self.message($0, topic: fixture.output) }
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the first pass is done") { publisher.passesCompleted > 0 }
            let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let slow = Task {
                try await fixture.pool.withTransaction { connection in
                    try outbox.enqueue(leftovers, on: connection)
                    try connection.execute("SELECT 1")  // the insert goes out: the leftovers take the lower positions
                    insertedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in inserted { break }
            publisher.publish(try await harness.enqueue(early))
            try await PipelineTests.waitUntil("the early rows are sent") { publisher.sentAsHandedOver == early.count }
            releaseSignal.yield()
            try await slow.value
            publisher.wake(fromStart: true)  // as after a partition assignment
            publisher.publish(try await harness.enqueue(later))
            try await PipelineTests.waitUntil("every row is published") { try await Self.outboxCount(fixture) == 0 }
        }
        let expected = (early + leftovers + later).map { $0.id.uuidString.lowercased() }
        #expect(try await fixture.firstCopiesOfOutputIDs(expected: expected.count) == expected)
        await harness.close()
    }
    /// Deleting what was sent fails for a while (a transient error, as when PostgreSQL restarts):
    /// the publisher keeps the positions and deletes them on a later try, and keeps sending what
    /// is handed over meanwhile. Nothing is sent twice, nothing is lost, and the order holds.
    @Test func aDeleteThatFailsForAWhileIsRetriedAndNothingIsSentTwice() async throws {
        let harness = try await Harness(idleInterval: .seconds(2), rescanInterval: .seconds(2))
        let fixture = harness.fixture, publisher = harness.publisher, schema = fixture.schema
        let deleteAttempts = try await fixture.failFirst(3, .delete, on: "outbox")
        let messages = (0..<60).map { Self.message($0, topic: fixture.output) }
        try await Self.running(publisher) {
            try await PipelineTests.waitUntil("the first pass is done") { publisher.passesCompleted > 0 }
            for batch in stride(from: 0, to: messages.count, by: 20) {
                publisher.publish(try await harness.enqueue(Array(messages[batch..<(batch + 20)])))
                try await Task.sleep(for: .milliseconds(100))
            }
            try await PipelineTests.waitUntil("the rows leave the outbox") { try await Self.outboxCount(fixture) == 0 }
        }
        let attempts = try await fixture.count("SELECT last_value::int FROM \(identifier: schema).\(identifier: deleteAttempts)")
        #expect(attempts > 3, "the injected failures happened, and a later delete went through")
        // Sent as handed over while the deletes failed (a periodic pass may have taken some, on a slow machine).
        #expect(publisher.sentAsHandedOver > 0)
        let output = try await fixture.outputIDsInOrder(expected: messages.count)
        #expect(output == messages.map { $0.id.uuidString.lowercased() }, "each once, in order")
        await harness.close()
    }
}
