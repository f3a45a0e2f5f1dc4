import KafkaClient
import PostgresClient

/// A service's logic for one consumed batch, run inside the transaction that also stores the
/// outgoing messages and the consumed offsets (DESIGN §9).
///
/// Handlers must be idempotent through unique constraints (e.g. `(agency, event_id)`): after a
/// crash between commit and the broker learning of it, a batch may be seen again.
public protocol BatchHandler: Sendable {
    /// Applies `batch` (in offset order within each partition) and returns the messages to
    /// publish. Bad input should become a rejection here, not an error; throw only for failures
    /// (a transient one is retried, a permanent one isolates the message that causes it).
    func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage]

    /// Records `message` as a dead letter after it failed alone with a permanent error, so the
    /// partition keeps flowing. Returns the messages to publish (e.g. on a dead-letter topic).
    func deadLetter(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws
        -> [OutboxMessage]
}
