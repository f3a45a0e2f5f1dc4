import Foundation
import KafkaClient
import Testing
import TestSupport

/// What a service would keep in PostgreSQL: per-partition next offsets, and (for the test)
/// how often each sequence number was processed and by whom.
actor OffsetRecord {
    private(set) var next: [KafkaTopicPartition: Int64] = [:]
    private(set) var counts: [Int: Int] = [:]
    private(set) var byConsumer: [String: Int] = [:]
    private(set) var gaps: [String] = []

    /// Start offsets for newly assigned partitions, as a service reads them from its database.
    func startOffsets(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        next.filter { partitions.contains($0.key) }
    }

    /// Processes a batch "in one transaction": counts the messages and advances the offsets.
    func record(_ batch: [KafkaMessage], by consumer: String) {
        for message in batch {
            if let expected = next[message.topicPartition], expected != message.offset {
                gaps.append("\(message.topicPartition): expected \(expected), got \(message.offset)")
            }
            next[message.topicPartition] = message.offset + 1
            counts[Int(message.valueString)!, default: 0] += 1
        }
        byConsumer[consumer, default: 0] += batch.count
    }

    var distinct: Int { counts.count }
    func processed(by consumer: String) -> Int { byConsumer[consumer] ?? 0 }
}

/// Counts calls across tasks.
actor Counter {
    private var value = 0
    /// Increments and returns the new value.
    func next() -> Int {
        value += 1
        return value
    }
}

/// Waits until `condition` holds, checking every 50 ms; fails after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while !(await condition()) {
        guard ContinuousClock.now < end else { throw TimeoutError(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// `eventually` gave up.
struct TimeoutError: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// The group consumer: caller-supplied offsets, rebalances, commits, watermarks.
@Suite(.timeLimit(.minutes(2)))
struct ConsumerTests {
    /// Two consumers in one group; the second joins mid-stream, later the first leaves. The
    /// consumers keep their own offsets (as in PostgreSQL) and supply them on assignment:
    /// nothing is lost or processed twice.
    @Test func rebalanceBetweenTwoConsumersLosesAndDuplicatesNothing() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.topic("rebalance", partitions: 4)
        let group = TestEnvironment.uniqueName("group")
        let record = OffsetRecord()
        let producer = try Kafka.producer(bootstrap)
        _ = try await producer.send(Kafka.numbered(topic, 0..<300))

        func start(_ name: String) async throws -> (KafkaConsumer, Task<Void, any Error>) {
            let consumer = try KafkaConsumer(configuration: Kafka.consumerConfiguration(bootstrap, group: group),
                                             logger: Kafka.logger,
                                             onAssign: { await record.startOffsets($0) })
            try await consumer.subscribe(topics: [topic])
            let task = Task {
                while !Task.isCancelled {
                    await record.record(try await consumer.poll(maxMessages: 20, timeout: .milliseconds(100)), by: name)
                }
            }
            return (consumer, task)
        }

        let (a, taskA) = try await start("A")
        try await eventually("A consumes the first 300") { await record.distinct == 300 }
        let (b, taskB) = try await start("B")
        // Produce only once B holds partitions: with a short fetch wait A would otherwise
        // consume everything before the group's rebalance completes.
        try await eventually("B is assigned partitions") { (try? await b.assignment())?.isEmpty == false }
        _ = try await producer.send(Kafka.numbered(topic, 300..<600))
        try await eventually("A and B consume 600") { await record.distinct == 600 }
        try await eventually("B gets partitions") { await record.processed(by: "B") > 0 }

        taskA.cancel()
        try await taskA.value
        await a.close()
        _ = try await producer.send(Kafka.numbered(topic, 600..<800))
        try await eventually("B consumes the rest after A left") { await record.distinct == 800 }
        try await Task.sleep(for: .milliseconds(500))
        taskB.cancel()
        try await taskB.value
        await b.close()
        await producer.shutdown()

        let counts = await record.counts
        #expect(counts.count == 800)
        #expect(counts.values.allSatisfy { $0 == 1 }, "duplicates: \(counts.filter { $0.value > 1 }.keys.sorted())")
        #expect(await record.gaps == [])
        #expect(await record.processed(by: "A") + record.processed(by: "B") == 800)
    }

    /// Starting at a caller-supplied offset: offset 50 of 100 yields exactly 50...99.
    @Test func startsAtSuppliedOffset() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("offsets", partitions: 1, messages: 100)

        let start = KafkaTopicPartition(topic: topic, partition: 0)
        let consumer = try await Kafka.consumer(bootstrap, topics: [topic], onAssign: { _ in [start: 50] })
        let messages = try await Kafka.collect(consumer, atLeast: 50)
        #expect(messages.map(\.offset) == Array(50..<100))
        #expect(Kafka.sequenceNumbers(messages) == Array(50..<100))
        #expect(try await consumer.lag() == [start: 0])
        let marks = try await consumer.watermarks(topic: topic, partition: 0)
        #expect(marks.low == 0 && marks.high == 100)
        await consumer.close()
    }

    /// A failing assignment hook (say, the database is down) is reported by `poll` and retried
    /// on the next one; no message is delivered before offsets are known.
    @Test func failingAssignHookIsRetried() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("hook", partitions: 1, messages: 20)
        let attempts = Counter()
        let consumer = try await Kafka.consumer(bootstrap, topics: [topic], onAssign: { _ in
            guard await attempts.next() > 1 else { throw TimeoutError(what: "database") }
            return [KafkaTopicPartition(topic: topic, partition: 0): 15]
        })
        var failures = 0
        var messages: [KafkaMessage] = []
        try await eventually("5 messages") {
            do { messages += try await consumer.poll(timeout: .milliseconds(100)) } catch { failures += 1 }
            return messages.count >= 5
        }
        #expect(failures == 1)
        #expect(messages.map(\.offset) == Array(15..<20))
        await consumer.close()
    }

    /// A supplied start offset outside the log is reported loudly, not skipped silently.
    @Test func outOfRangeStartOffsetIsReported() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("range", partitions: 1, messages: 10)

        let consumer = try await Kafka.consumer(bootstrap, topics: [topic],
                                                onAssign: { _ in [KafkaTopicPartition(topic: topic, partition: 0): 50] })
        var reported: KafkaError?
        try await eventually("the out-of-range report") {
            do { _ = try await consumer.poll(timeout: .milliseconds(100)) } catch let error as KafkaError { reported = error } catch {}
            return reported != nil
        }
        #expect(reported?.code == .offsetOutOfRange)
        #expect(reported?.topic == topic && reported?.partition == 0)
        await consumer.close()
    }

    /// Committed offsets are where the next member of the group starts.
    @Test func commitThenResumeInSameGroup() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("commit", partitions: 1, messages: 100)
        let group = TestEnvironment.uniqueName("group")

        let first = try await Kafka.consumer(bootstrap, group: group, topics: [topic])
        #expect(try await Kafka.collect(first, atLeast: 100).count == 100)
        try await first.commit([KafkaTopicPartition(topic: topic, partition: 0): 60])
        await first.close()

        let second = try await Kafka.consumer(bootstrap, group: group, topics: [topic])
        let rest = try await Kafka.collect(second, atLeast: 40)
        #expect(rest.map(\.offset) == Array(60..<100))
        await second.close()
    }

    /// The `batches()` sequence yields non-empty batches in offset order.
    @Test func batchesSequence() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("batches", partitions: 1, messages: 30)
        let consumer = try await Kafka.consumer(bootstrap, topics: [topic])
        var offsets: [Int64] = []
        for try await batch in consumer.batches(maxMessages: 7, timeout: .milliseconds(100)) {
            #expect(!batch.isEmpty && batch.count <= 7)
            offsets += batch.map(\.offset)
            if offsets.count >= 30 { break }
        }
        #expect(offsets == Array(0..<30))
        await consumer.close()
        for try await _ in consumer.batches() { Issue.record("a closed consumer yields no batch") }
        await #expect(throws: KafkaError.self) { _ = try await consumer.assignment() }
        await #expect(throws: KafkaError.self) { _ = try await consumer.watermarks(topic: topic, partition: 0) }
    }

    /// A `^regex` subscription picks up every matching topic.
    @Test func patternSubscription() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let base = TestEnvironment.uniqueName("pattern")
        let control = try BrokerControl.fromEnvironment()
        for suffix in ["a", "b"] { try await control.createTopic("\(base).\(suffix).events", partitions: 2) }
        let producer = try Kafka.producer(bootstrap)
        _ = try await producer.send(Kafka.numbered("\(base).a.events", 0..<5) + Kafka.numbered("\(base).b.events", 5..<10))
        await producer.shutdown()

        let consumer = try await Kafka.consumer(bootstrap, topics: ["^\(base)\\.[a-z]+\\.events$"])
        let messages = try await Kafka.collect(consumer, atLeast: 10)
        #expect(Set(Kafka.sequenceNumbers(messages)) == Set(0..<10))
        #expect(Set(messages.map(\.topic)) == ["\(base).a.events", "\(base).b.events"])
        await consumer.close()
    }
}
