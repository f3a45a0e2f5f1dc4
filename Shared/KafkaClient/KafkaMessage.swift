import CRdKafka
import Foundation

/// A topic and partition: the unit of ordering, assignment and offsets.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// Topic name.
    public var topic: String
    /// Partition number (0-based).
    public var partition: Int32
    /// Names a partition of a topic.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    /// `topic/partition`.
    public var description: String { "\(topic)/\(partition)" }
}

/// One message header: a name and optional bytes (Kafka allows repeated names).
public struct KafkaHeader: Hashable, Sendable {
    /// Header name.
    public var name: String
    /// Header value; nil is a null value.
    public var value: [UInt8]?
    /// Builds a header from bytes.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
    /// Builds a header from a UTF-8 string.
    public init(name: String, string: String) { self.init(name: name, value: Array(string.utf8)) }
}

/// A consumed message, copied out of librdkafka's buffers (so it outlives them and can cross
/// tasks).
public struct KafkaMessage: Sendable, Hashable {
    /// Topic it came from.
    public var topic: String
    /// Partition it came from.
    public var partition: Int32
    /// Its offset in the partition; the next offset to consume (and to store) is `offset + 1`.
    public var offset: Int64
    /// Key bytes (the subject code in this system); nil when the message has no key.
    public var key: [UInt8]?
    /// Value bytes; empty for a null value.
    public var value: [UInt8]
    /// Create or log-append time, when the broker provides one.
    public var timestamp: Date?
    /// Headers, in order.
    public var headers: [KafkaHeader]

    /// The partition this message belongs to.
    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
    /// The key decoded as UTF-8 (lossy), for logs and string keys.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    /// The value decoded as UTF-8 (lossy).
    public var valueString: String { String(decoding: value, as: UTF8.self) }

    /// Creates a message as a consumer would receive it (for tests and benchmarks).
    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestamp: Date? = nil,
                headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }

    /// Copies a librdkafka message; `topic` is passed in so a batch can reuse one String.
    init(copying m: rd_kafka_message_t, pointer: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        self.topic = topic
        partition = m.partition
        offset = m.offset
        key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ms = rd_kafka_message_timestamp(pointer, &type)
        timestamp = ms >= 0 ? Date(timeIntervalSince1970: Double(ms) / 1000) : nil
        headers = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(pointer, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "",
                                           value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
    }
}

/// A message to produce.
public struct KafkaOutgoingMessage: Sendable, Hashable {
    /// Destination topic.
    public var topic: String
    /// Key bytes (the subject code); the partitioner hashes it so one key stays in one partition.
    public var key: [UInt8]?
    /// Value bytes.
    public var value: [UInt8]
    /// Headers.
    public var headers: [KafkaHeader]
    /// A fixed partition, or nil to let the partitioner choose from the key.
    public var partition: Int32?

    /// Builds a message from bytes.
    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    /// Builds a message from UTF-8 strings.
    public init(topic: String, key: String?, value: String, headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8),
                  headers: headers, partition: partition)
    }
}

/// The broker's acknowledgement of one produced message: where it was stored.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// Topic written.
    public var topic: String
    /// Partition written.
    public var partition: Int32
    /// Offset assigned by the broker.
    public var offset: Int64
    /// Builds a report.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// Converts a C partition list into Swift values (offsets included).
func topicPartitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(KafkaTopicPartition, Int64, rd_kafka_resp_err_t)] {
    (0..<Int(list.pointee.cnt)).map { index in
        let element = list.pointee.elems[index]
        return (KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition),
                element.offset, element.err)
    }
}

/// Builds a C partition list (caller destroys it) with the given offsets.
func makePartitionList(_ entries: [(KafkaTopicPartition, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
    for (tp, offset) in entries {
        rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition).pointee.offset = offset
    }
    return list
}
