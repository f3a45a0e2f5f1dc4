import Foundation
import KafkaClient
import Logging
import TestSupport

/// Helpers shared by the Kafka client tests (all against the real dev broker over TCP).
enum Kafka {
    /// A logger for clients under test; warnings and up, to keep output readable.
    static var logger: Logger {
        var logger = Logger(label: "kafka-test")
        logger.logLevel = ProcessInfo.processInfo.environment["CREDIT_TEST_KAFKA_DEBUG"] != nil ? .debug : .warning
        return logger
    }

    /// A fresh topic on the shared cluster (or a private one), created through the control API.
    static func topic(_ prefix: String, partitions: Int, cluster: String? = nil) async throws -> String {
        let name = TestEnvironment.uniqueName(prefix)
        let control = try BrokerControl.fromEnvironment()
        if let cluster {
            try await control.createTopic(name, partitions: partitions, cluster: cluster)
        } else {
            try await control.createTopic(name, partitions: partitions)
        }
        return name
    }

    /// A fresh topic on the shared cluster already holding `numbered` messages 0..<count.
    static func seededTopic(_ prefix: String, partitions: Int, messages count: Int) async throws -> String {
        let topic = try await topic(prefix, partitions: partitions)
        let producer = try producer(try TestEnvironment.kafkaBootstrap())
        _ = try await producer.send(numbered(topic, 0..<count))
        await producer.shutdown()
        return topic
    }

    /// A producer with defaults (idempotent) and a short linger.
    static func producer(_ bootstrap: String, _ tweak: (inout KafkaProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrap)
        configuration.lingerMs = 2
        tweak(&configuration)
        return try KafkaProducer(configuration: configuration, logger: logger)
    }

    /// A consumer configuration with a fresh group and faster group timings for tests.
    static func consumerConfiguration(_ bootstrap: String, group: String? = nil) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap,
                                                       groupID: group ?? TestEnvironment.uniqueName("group"))
        configuration.sessionTimeoutMs = 6_000
        configuration.heartbeatIntervalMs = 300
        if ProcessInfo.processInfo.environment["CREDIT_TEST_KAFKA_DEBUG"] != nil { configuration.properties["debug"] = "cgrp" }
        return configuration
    }

    /// Messages `seq` 0..<count as values `"<seq>"`, keyed so they spread over partitions.
    static func numbered(_ topic: String, _ range: Range<Int>, keys: Int = 16) -> [KafkaOutgoingMessage] {
        range.map { KafkaOutgoingMessage(topic: topic, key: "subject-\($0 % keys)", value: "\($0)") }
    }

    /// A consumer (fresh group unless given) subscribed to `topics`.
    static func consumer(_ bootstrap: String, group: String? = nil, topics: [String],
                         onAssign: KafkaConsumer.AssignHandler? = nil) async throws -> KafkaConsumer {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(bootstrap, group: group),
                                         logger: logger, onAssign: onAssign)
        try await consumer.subscribe(topics: topics)
        return consumer
    }

    /// Polls until at least `count` messages arrived (or `deadline` passed), then polls a
    /// little longer so that extra or duplicate messages would show.
    static func collect(_ consumer: KafkaConsumer, atLeast count: Int,
                        deadline: Duration = .seconds(30)) async throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let end = ContinuousClock.now + deadline
        while messages.count < count && ContinuousClock.now < end {
            messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
        }
        return messages + (try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(500)))
    }

    /// Consumes `topic` with a fresh group: `collect`, then close.
    static func consumeAll(_ bootstrap: String, topic: String, expected: Int) async throws -> [KafkaMessage] {
        let consumer = try await consumer(bootstrap, topics: [topic])
        let messages = try await collect(consumer, atLeast: expected)
        await consumer.close()
        return messages
    }

    /// The sequence numbers in message values.
    static func sequenceNumbers(_ messages: [KafkaMessage]) -> [Int] {
        messages.compactMap { Int($0.valueString) }
    }
}
