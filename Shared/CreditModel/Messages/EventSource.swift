/// Where ingest received an event: a Kafka position or the HTTP endpoint.
public struct EventSource: Codable, Hashable, Sendable {
    /// How the event arrived.
    public enum Transport: String, Codable, Sendable, Hashable, CaseIterable {
        /// From an `agency.<id>.events` topic.
        case kafka
        /// From `POST /v1/events`.
        case http
    }

    /// Kafka or HTTP.
    public var transport: Transport
    /// The topic, for Kafka.
    public var topic: String?
    /// The partition, for Kafka.
    public var partition: Int32?
    /// The offset, for Kafka.
    public var offset: Int64?

    /// A Kafka position.
    public static func kafka(topic: String, partition: Int32, offset: Int64) -> EventSource {
        EventSource(transport: .kafka, topic: topic, partition: partition, offset: offset)
    }

    /// The HTTP endpoint.
    public static let http = EventSource(transport: .http, topic: nil, partition: nil, offset: nil)

    /// Creates a source; prefer `kafka(topic:partition:offset:)` and `http`.
    public init(transport: Transport, topic: String?, partition: Int32?, offset: Int64?) {
        self.transport = transport
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
