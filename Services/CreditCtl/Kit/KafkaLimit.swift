import Foundation
import KafkaClient
import Logging

/// The broker's raw limits: messages per second produced through the idempotent producer
/// and consumed back through a group consumer, on a topic of their own.
public struct KafkaLimit: Sendable {
    /// Bootstrap servers.
    public let bootstrap: String
    /// Messages per measurement.
    public let messages: Int
    /// Value size in bytes.
    public let size: Int
    /// Where librdkafka logs go.
    public let logger: Logger

    /// A measurement of `messages` messages of `size` bytes against `bootstrap`.
    public init(bootstrap: String, messages: Int, size: Int = 200, logger: Logger) {
        self.bootstrap = bootstrap
        self.messages = messages
        self.size = size
        self.logger = logger
    }

    /// Partitions a topic needs to hold `messages` messages of `size` bytes (+ about 80 bytes
    /// of record overhead) within `bytesPerPartition` (the dev broker keeps about 5 MiB).
    public static func partitions(messages: Int, size: Int, bytesPerPartition: Int = 4 << 20, minimum: Int = 16) -> Int {
        max(minimum, Int((Double(messages) * Double(size + 80) / Double(bytesPerPartition)).rounded(.up)))
    }

    /// Produces `messages` messages to `topic` in chunks of 10,000 with up to 8 chunks awaiting
    /// acknowledgement; returns messages per second.
    public func produce(topic: String) async throws -> Double {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: logger)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let keys = (0..<1000).map { Array("subject-\($0)".utf8) }
        let chunk = 10_000, messages = messages
        let start = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Int.self) { group in
                var inFlight = 0
                for first in stride(from: 0, to: messages, by: chunk) {
                    if inFlight == 8 { _ = try await group.next(); inFlight -= 1 }
                    let batch = (first..<min(first + chunk, messages)).map {
                        KafkaOutgoingMessage(topic: topic, key: keys[$0 % keys.count], value: payload)
                    }
                    group.addTask { try await producer.send(batch).count }
                    inFlight += 1
                }
                try await group.waitForAll()
            }
        } catch {
            await producer.shutdown()
            throw error
        }
        let elapsed = ContinuousClock.now - start
        await producer.shutdown()
        return Double(messages) / elapsed.seconds
    }

    /// Consumes `messages` messages of `topic` through a fresh group, timed from the first
    /// message to the last; returns messages per second.
    public func consume(topic: String, timeout: Duration = .seconds(300)) async throws -> Double {
        let configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap,
                                                       groupID: "bench-limit-\(UUID().uuidString.prefix(8))")
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try await consumer.subscribe(topics: [topic])
        var received = 0
        var first: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + timeout
        while received < messages && ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
            if first == nil && !batch.isEmpty { first = .now }
            received += batch.count
        }
        let elapsed = ContinuousClock.now - (first ?? .now)
        await consumer.close()
        guard received >= messages else { throw KafkaLimitError.incomplete(consumed: received, expected: messages) }
        return Double(messages - 1) / elapsed.seconds
    }
}

/// Why a Kafka limit could not be measured.
public enum KafkaLimitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The consumer did not get every message back in time.
    case incomplete(consumed: Int, expected: Int)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .incomplete(let consumed, let expected): "consumed only \(consumed) of \(expected) messages"
        }
    }
}
