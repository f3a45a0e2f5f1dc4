import CreditModel
import Foundation
import KafkaClient
import Logging
import Metrics
import Pipeline
import PostgresClient
import ServiceSupport

/// Consumes `scores.changed` (`score-change/1`), `events.accepted` (`accepted-event/1`, for
/// event-triggered policies, lifting events and retractions) and `notifications.delivered`
/// (`notice-receipt/1`) in the batch transaction of DESIGN §9, through the `CaseEngine`.
///
/// Which message a record is follows from its topic; a message that cannot be read becomes a
/// row of `rejected_messages` and the partition keeps flowing.
public struct SanctionsHandler: BatchHandler {
    /// The state machine.
    public let engine: CaseEngine
    /// The topic names.
    public let topics: SanctionsTopics
    /// Business time.
    public let clock: any WallClock
    private let logger: Logger
    private let rejected = Counter(label: "sanctions_messages_rejected_total")

    /// Creates the handler.
    public init(engine: CaseEngine, topics: SanctionsTopics, clock: any WallClock, logger: Logger) {
        self.engine = engine
        self.topics = topics
        self.clock = clock
        self.logger = logger
    }

    /// Decodes the batch, then applies every message in order through the engine's batch path
    /// (one read of what it needs for the whole batch, not one per message).
    public func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        var inputs: [CaseInput] = []
        inputs.reserveCapacity(batch.count)
        for message in batch {
            do {
                switch message.topic {
                case topics.scoreChanges:
                    inputs.append(.scoreChange(try MessageCoding.decode(ScoreChange.self, from: message.value)))
                case topics.acceptedEvents:
                    inputs.append(.acceptedEvent(try MessageCoding.decode(AcceptedEvent.self, from: message.value)))
                case topics.receipts:
                    inputs.append(.receipt(try MessageCoding.decode(NoticeReceipt.self, from: message.value)))
                default:
                    logger.warning("message from an unexpected topic ignored", metadata: ["topic": "\(message.topic)"])
                }
            } catch let error as DecodingError {
                try reject(message, error: error, on: connection)
            } catch let error as SubjectCodeError {
                try reject(message, error: error, on: connection)
            }
        }
        return try engine.apply(inputs, now: clock.now(), on: connection)
    }

    /// Records a message that failed alone as a dead letter.
    public func deadLetter(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try reject(message, error: error, on: connection)
        return []
    }

    private func reject(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws {
        rejected.increment()
        let reason = (try? JSONSerialization.jsonObject(with: Data(message.value))) == nil ? "invalid_json" : "invalid_schema"
        logger.error("unreadable message recorded as a dead letter", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
            "reason": "\(reason)", "error": "\(error)",
        ])
        try engine.store.reject(topic: message.topic, partition: message.partition, offset: message.offset, raw: message.value,
                                reason: reason, message: "\(error)", on: connection)
    }
}

/// The topics the sanctions service reads and writes (contract defaults of DESIGN §3).
public struct SanctionsTopics: Sendable, Hashable {
    /// `scores.changed`.
    public var scoreChanges = Topics.scoresChanged
    /// `events.accepted`.
    public var acceptedEvents = Topics.eventsAccepted
    /// `notifications.delivered`.
    public var receipts = Topics.notificationsDelivered
    /// `sanctions.decisions`.
    public var decisions = Topics.sanctionsDecisions
    /// `notifications.requested`.
    public var notices = Topics.notificationsRequested

    /// The contract's topics.
    public init() {}

    /// The consumed topics.
    public var consumed: [String] { [scoreChanges, acceptedEvents, receipts] }
}
