import Foundation
import KafkaClient
import Testing
import TestSupport

/// The idempotent producer: delivery reports, batching, retries under broker errors and outages.
@Suite(.timeLimit(.minutes(2)))
struct ProducerTests {
    @Test func deliveryReportCarriesPartitionAndOffset() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.topic("dr", partitions: 4)
        let producer = try Kafka.producer(bootstrap)
        var reports: [KafkaDeliveryReport] = []
        for index in 0..<3 {
            reports.append(try await producer.send(topic: topic, key: Array("k".utf8), value: Array("v\(index)".utf8),
                                                   headers: [KafkaHeader(name: "h", string: "x")], partition: 2))
        }
        #expect(reports == (0..<3).map { KafkaDeliveryReport(topic: topic, partition: 2, offset: Int64($0)) })
        let batch = try await producer.send(Kafka.numbered(topic, 0..<100))
        #expect(batch.count == 100)
        #expect(Set(batch.map(\.partition)).count > 1)
        await producer.shutdown()

        let messages = try await Kafka.consumeAll(bootstrap, topic: topic, expected: 103)
        let first = try #require(messages.first { $0.partition == 2 && $0.offset == 0 })
        #expect(first.keyString == "k" && first.valueString == "v0")
        #expect(first.headers == [KafkaHeader(name: "h", string: "x")])
        #expect(first.timestamp != nil)
        #expect(messages.count == 103)
    }

    /// Batches enqueued one after another with their acknowledgements awaited together arrive
    /// in order within each partition (a retraction never overtakes its target).
    @Test func enqueuedBatchesKeepTheirOrderWhileAwaitedTogether() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.topic("order", partitions: 3)
        let producer = try Kafka.producer(bootstrap)
        let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
            for start in stride(from: 0, to: 2_000, by: 50) {
                let pending = try await producer.enqueue(Kafka.numbered(topic, start..<(start + 50), keys: 3))
                group.addTask { try await pending.acknowledgements().count }
            }
            return try await group.reduce(0, +)
        }
        #expect(acknowledged == 2_000)
        await producer.shutdown()
        let messages = try await Kafka.consumeAll(bootstrap, topic: topic, expected: 2_000)
        for key in 0..<3 {
            let values = messages.filter { $0.keyString == "subject-\(key)" }.sorted { $0.offset < $1.offset }.compactMap { Int($0.valueString) }
            #expect(values == Array(stride(from: key, to: 2_000, by: 3)), "key \(key) in publication order")
        }
    }

    @Test func sendAfterShutdownFails() async throws {
        let producer = try Kafka.producer(try TestEnvironment.kafkaBootstrap())
        await producer.shutdown()
        await #expect(throws: KafkaError.self) { _ = try await producer.send(topic: "x", key: nil, value: []) }
        await #expect(throws: KafkaError.self) { try await producer.flush() }
        await producer.shutdown()
    }

    /// Senders racing `shutdown`: every send either delivers everything or fails with a
    /// KafkaError; none touches the destroyed handle (which would crash the test process).
    @Test func sendsRacingShutdownFailCleanly() async throws {
        let topic = try await Kafka.topic("race", partitions: 2)
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        for round in 0..<5 {
            let producer = try Kafka.producer(bootstrap)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for sender in 0..<4 {
                    group.addTask {
                        do {
                            _ = try await producer.send(Kafka.numbered(topic, (sender * 1000)..<(sender * 1000 + 500)))
                            return true
                        } catch {
                            return error is KafkaError
                        }
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(round))
                    await producer.shutdown(timeout: .milliseconds(1))
                    return true
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0 })
        }
    }

    /// Clients dropped without `shutdown()`/`close()` clean up off the cooperative pool.
    @Test func droppedClientsCleanUp() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("drop", partitions: 1, messages: 5)
        do {
            let producer = try Kafka.producer(bootstrap)
            _ = try await producer.send(Kafka.numbered(topic, 5..<6))
            let consumer = try await Kafka.consumer(bootstrap, topics: [topic])
            #expect(try await Kafka.collect(consumer, atLeast: 6).count == 6)
        }
        try await Task.sleep(for: .milliseconds(300))
    }

    /// Retriable Produce errors injected on a private cluster: the idempotent producer retries
    /// and the log ends up with every message exactly once, in order.
    @Test func idempotentProducerUnderRequestErrors() async throws {
        let control = try BrokerControl.fromEnvironment()
        let cluster = try await control.createCluster(brokers: 1)
        defer { Task { try? await control.destroyCluster(cluster.id) } }
        let topic = try await Kafka.topic("idem", partitions: 2, cluster: cluster.id)
        let producer = try Kafka.producer(cluster.bootstrap) { $0.properties["retry.backoff.ms"] = "10" }
        _ = try await producer.send(Kafka.numbered(topic, 0..<10))
        // NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, LEADER_NOT_AVAILABLE, and
        // _TRANSPORT (the mock closes the connection).
        try await control.pushRequestErrors(apiKey: 0, errors: [6, 7, 19, 5, -195, 6, 7, -195, 19, 5], cluster: cluster.id)
        let reports = try await producer.send(Kafka.numbered(topic, 10..<2000))
        #expect(reports.count == 1990)
        await producer.shutdown()

        let messages = try await Kafka.consumeAll(cluster.bootstrap, topic: topic, expected: 2000)
        let seqs = Kafka.sequenceNumbers(messages)
        #expect(seqs.count == 2000)
        #expect(Set(seqs) == Set(0..<2000))
        for partition in Set(messages.map(\.partition)) {
            let inPartition = messages.filter { $0.partition == partition }.map { Int($0.valueString)! }
            #expect(inPartition == inPartition.sorted(), "partition \(partition) out of order")
        }
    }

    /// Messages sent while the only broker is down are delivered once it is back up.
    @Test func brokerDownThenUp() async throws {
        let control = try BrokerControl.fromEnvironment()
        let cluster = try await control.createCluster(brokers: 1)
        defer { Task { try? await control.destroyCluster(cluster.id) } }
        let topic = try await Kafka.topic("down", partitions: 2, cluster: cluster.id)
        let producer = try Kafka.producer(cluster.bootstrap)
        _ = try await producer.send(Kafka.numbered(topic, 0..<1))

        try await control.setBroker(1, down: true, cluster: cluster.id)
        let sending = Task { try await producer.send(Kafka.numbered(topic, 1..<201)) }
        try await Task.sleep(for: .seconds(1))
        #expect(producer.inFlightCount == 200, "nothing can be acknowledged while the broker is down")
        try await control.setBroker(1, down: false, cluster: cluster.id)
        let reports = try await sending.value
        #expect(reports.count == 200)
        await producer.shutdown()

        let seqs = Kafka.sequenceNumbers(try await Kafka.consumeAll(cluster.bootstrap, topic: topic, expected: 201))
        #expect(seqs.sorted() == Array(0..<201))
    }
}
