import Foundation

/// A message a service will publish once the transaction that produced it commits (DESIGN §9).
///
/// Its `id` is derived deterministically from the input that caused it (`MessageID` in the
/// model), so a redelivered input yields the same id: the outbox refuses a second copy and
/// downstream consumers can de-duplicate by it.
public struct OutboxMessage: Sendable, Hashable {
    /// The deterministic message id (also sent as the `message-id` header).
    public var id: UUID
    /// Destination topic.
    public var topic: String
    /// Partition key: the subject code, so one subject's messages stay ordered.
    public var key: String
    /// The JSON payload.
    public var payload: [UInt8]

    /// Creates an outgoing message.
    public init(id: UUID, topic: String, key: String, payload: [UInt8]) {
        self.id = id
        self.topic = topic
        self.key = key
        self.payload = payload
    }
}
