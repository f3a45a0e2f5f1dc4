import CreditModel
import Foundation
import KafkaClient
import Logging

/// Publishes agency events to Kafka as an agency would: each to `agency.<id>.events`, keyed
/// by its subject, through the idempotent producer. Call `shutdown()` when done.
public struct AgencyEventPublisher: Sendable {
    /// The result for a group of events sent together.
    public struct Outcome: Sendable {
        /// The input lines of the events.
        public var lines: [Int]
        /// The topic.
        public var topic: String
        /// Nil when the broker acknowledged every event of the group.
        public var error: String?
    }

    private let producer: KafkaProducer
    /// Events per produce batch.
    public let batchSize: Int

    /// Connects a producer to `bootstrap` (comma-separated `host:port`).
    public init(bootstrap: String, batchSize: Int = 500, logger: Logger) throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrap)
        configuration.clientID = "creditctl-publish"
        configuration.deliveryTimeoutMs = 30_000
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.batchSize = max(1, batchSize)
    }

    /// Sends `events` in batches of one agency (input order kept within an agency) and
    /// reports each batch's outcome.
    public func publish(_ events: [RoutedEvent]) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for batch in EventBatches.make(events, size: batchSize) {
            let topic = Topics.agencyEvents(batch[0].agency)
            do {
                let messages = try batch.map { event in
                    KafkaOutgoingMessage(topic: topic, key: event.subject.map { Array($0.utf8) }, value: Array(try event.payload()))
                }
                _ = try await producer.send(messages)
                outcomes.append(Outcome(lines: batch.map(\.line), topic: topic, error: nil))
            } catch {
                outcomes.append(Outcome(lines: batch.map(\.line), topic: topic, error: "\(error)"))
            }
        }
        return outcomes
    }

    /// Flushes what is queued and closes the producer.
    public func shutdown() async { await producer.shutdown(timeout: .seconds(10)) }
}
