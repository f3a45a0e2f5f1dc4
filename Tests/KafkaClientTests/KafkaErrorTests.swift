import KafkaClient
import Testing
import TestSupport

/// Error classification and configuration errors.
struct KafkaErrorTests {
    @Test(arguments: [KafkaError.Code.transport, .timedOut, .queueFull, .leaderNotAvailable,
                      .notLeaderForPartition, .requestTimedOut, .notCoordinator, .allBrokersDown,
                      .coordinatorLoadInProgress, .messageTimedOut])
    func retriable(_ code: KafkaError.Code) {
        let error = KafkaError(code: code)
        #expect(error.isRetriable)
        #expect(!error.isFatal)
    }

    @Test(arguments: [KafkaError.Code.messageTooLarge, .offsetOutOfRange, .invalidArgument, .outOfOrderSequence])
    func notRetriable(_ code: KafkaError.Code) {
        #expect(!KafkaError(code: code).isRetriable)
    }

    @Test func namesAndFatality() {
        #expect(KafkaError(code: .queueFull).name == "_QUEUE_FULL")
        #expect(KafkaError(code: .notLeaderForPartition).name == "NOT_LEADER_FOR_PARTITION")
        #expect(KafkaError.Code.notLeaderForPartition.rawValue == 6)
        #expect(KafkaError(code: .fatal).isFatal)
        let described = KafkaError(code: .requestTimedOut, topic: "t", partition: 3).description
        #expect(described.contains("REQUEST_TIMED_OUT") && described.contains("[t/3]") && described.contains("retriable"))
    }

    @Test func invalidConfigurationThrows() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:1")
        configuration.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: configuration, logger: Kafka.logger) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("no.such.property") == true)
    }

    @Test func producerDefaultsAreIdempotent() {
        let properties = Dictionary(KafkaProducerConfiguration(bootstrapServers: "b").rdKafkaProperties) { $1 }
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        let consumer = Dictionary(KafkaConsumerConfiguration(bootstrapServers: "b", groupID: "g").rdKafkaProperties) { $1 }
        #expect(consumer["enable.auto.commit"] == "false" && consumer["enable.auto.offset.store"] == "false")
        #expect(consumer["partition.assignment.strategy"] == "range")
    }
}

/// The in-process mock cluster wrapper.
struct MockClusterTests {
    @Test func clusterWithThreeBrokers() async throws {
        let cluster = try MockCluster(brokers: 3, logger: Kafka.logger)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 3)
        try cluster.createTopic("mock-topic", partitions: 3)
        #expect(throws: KafkaError.self) { try cluster.createTopic("mock-topic", partitions: 3) }
        let producer = try Kafka.producer(cluster.bootstrapServers)
        let report = try await producer.send(topic: "mock-topic", key: nil, value: [1, 2, 3], partition: 1)
        #expect(report.partition == 1 && report.offset == 0)
        await producer.shutdown()
        cluster.destroy()
        #expect(throws: KafkaError.self) { try cluster.setBrokerDown(1) }
    }
}
