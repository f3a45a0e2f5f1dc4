import CreditModel
import Foundation
import KafkaClient
import Pipeline
import PostgresClient

/// The `events.accepted` consumer's batch logic (DESIGN §9): decode, score, return the
/// `score-change/1` messages; the `PipelineConsumer` stores them in the outbox together with
/// the offsets in the same transaction.
///
/// A message that is not a valid `accepted-event/1` is a permanent error: the pipeline isolates
/// it and `deadLetter` records it in `rejected_messages`, so the partition keeps flowing.
public struct ScoringHandler: BatchHandler {
    /// The in-transaction scoring.
    public let scorer: Scorer

    /// Creates the handler.
    public init(scorer: Scorer) { self.scorer = scorer }

    /// Decodes and scores `batch`.
    public func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let events = try batch.map { try MessageCoding.decode(AcceptedEvent.self, from: $0.value) }
        return try scorer.score(events, payloads: batch.map(\.value), on: connection)
    }

    /// Records an undecodable message; nothing is published (ingest owns `events.rejected`).
    public func deadLetter(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws
        -> [OutboxMessage]
    {
        try connection.execute("""
            INSERT INTO \(identifier: scorer.ledger.schema).rejected_messages (topic, partition, "offset", error, payload)
            VALUES (\(message.topic), \(Int(message.partition)), \(message.offset), \("\(error)"), \(Data(message.value)))
            ON CONFLICT DO NOTHING
            """)
        return []
    }
}
