import CRdKafka

/// An error from Kafka: librdkafka's error code (with its symbolic name), a readable message
/// and, where known, the topic and partition it concerns.
///
/// Callers decide how to react with `isRetriable` (try again with backoff, do not advance
/// offsets) and `isFatal` (the client instance is unusable and must be recreated).
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `rd_kafka_resp_err_t` value (negative codes are librdkafka-internal, positive ones
    /// come from the broker protocol).
    public let code: Code
    /// The symbolic name of `code`, as `rd_kafka_err2name` gives it (e.g. `_QUEUE_FULL`).
    public let name: String
    /// What went wrong, in words.
    public let message: String
    /// The topic concerned, when the error belongs to one.
    public let topic: String?
    /// The partition concerned, when the error belongs to one.
    public let partition: Int32?
    /// Whether retrying the same operation later may succeed.
    public let isRetriable: Bool
    /// Whether the client instance is unusable (e.g. an idempotent producer lost its sequence
    /// state); it must be shut down and recreated.
    public let isFatal: Bool

    /// A Kafka error code (`rd_kafka_resp_err_t`) as a Swift value, so that callers can name
    /// the codes they care about without importing the C module.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The raw `rd_kafka_resp_err_t` value.
        public let rawValue: Int32
        /// Wraps a raw `rd_kafka_resp_err_t` value.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ err: rd_kafka_resp_err_t) { rawValue = err.rawValue }
        var rd: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }
        /// The symbolic name (`rd_kafka_err2name`).
        public var name: String { String(cString: rd_kafka_err2name(rd)) }
        /// The librdkafka description (`rd_kafka_err2str`).
        public var description: String { String(cString: rd_kafka_err2str(rd)) }

        /// Success (no error).
        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// Broker transport failure (connection lost or refused).
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// All brokers are down.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// A local operation timed out.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// A message was not delivered within `delivery.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// The local producer queue is full.
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// A fatal error was raised; see the instance's underlying error.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// The message was purged from the queue (e.g. at shutdown).
        public static let purgedFromQueue = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        /// The message was purged while in flight.
        public static let purgedInFlight = Code(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        /// The client instance is being destroyed.
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// The consumer's start offset could not be used and `auto.offset.reset` is `error`.
        public static let autoOffsetReset = Code(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
        /// An invalid argument was given.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// The requested offset is outside the partition's log (below log start or beyond end).
        public static let offsetOutOfRange = Code(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
        /// The topic or partition does not exist.
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// No leader for the partition (leader election in progress).
        public static let leaderNotAvailable = Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        /// The broker is not the partition's leader.
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// The broker timed out the request.
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        /// The broker is not the group coordinator.
        public static let notCoordinator = Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
        /// The group coordinator is not available.
        public static let coordinatorNotAvailable = Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
        /// The group coordinator is loading.
        public static let coordinatorLoadInProgress = Code(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        /// Not enough in-sync replicas.
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        /// The message is larger than the broker accepts.
        public static let messageTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        /// The idempotent producer's sequence is out of order (fatal for the producer).
        public static let outOfOrderSequence = Code(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER)

        /// Codes after which the same operation may succeed later. Follows the Kafka
        /// protocol's retriable errors plus librdkafka's local transient conditions.
        static let retriable: Set<Code> = [
            .transport, .allBrokersDown, .timedOut, .messageTimedOut, .queueFull,
            .leaderNotAvailable, .notLeaderForPartition, .requestTimedOut, .notCoordinator,
            .coordinatorNotAvailable, .coordinatorLoadInProgress, .notEnoughReplicas,
            .unknownTopicOrPartition,
            Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND),
            Code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION),
            Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS),
            Code(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR),
            Code(RD_KAFKA_RESP_ERR__WAIT_COORD),
            Code(RD_KAFKA_RESP_ERR__RESOLVE),
            Code(RD_KAFKA_RESP_ERR__NODE_UPDATE),
        ]
    }

    /// Builds an error from a code; retriable and fatal follow the code unless given.
    public init(code: Code, message: String? = nil, topic: String? = nil, partition: Int32? = nil,
                isRetriable: Bool? = nil, isFatal: Bool? = nil) {
        self.code = code
        self.name = code.name
        self.message = message ?? code.description
        self.topic = topic
        self.partition = partition
        self.isRetriable = isRetriable ?? Code.retriable.contains(code)
        self.isFatal = isFatal ?? (code == .fatal)
    }

    init(_ err: rd_kafka_resp_err_t, message: String? = nil, topic: String? = nil, partition: Int32? = nil) {
        self.init(code: Code(err), message: message, topic: topic, partition: partition)
    }

    /// Takes over an `rd_kafka_error_t` (and destroys it), keeping librdkafka's own
    /// retriable/fatal verdict.
    init(consuming error: OpaquePointer, topic: String? = nil) {
        defer { rd_kafka_error_destroy(error) }
        let code = Code(rd_kafka_error_code(error))
        self.init(code: code, message: String(cString: rd_kafka_error_string(error)), topic: topic,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0 || Code.retriable.contains(code),
                  isFatal: rd_kafka_error_is_fatal(error) != 0)
    }

    /// Reads the C error string buffer that librdkafka's setup functions fill in.
    static func fromBuffer(_ err: rd_kafka_resp_err_t, _ buffer: [CChar]) -> KafkaError {
        KafkaError(err, message: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// `NAME: message [topic/partition]`.
    public var description: String {
        var text = "\(name): \(message)"
        if let topic { text += " [\(topic)" + (partition.map { "/\($0)" } ?? "") + "]" }
        if isFatal { text += " (fatal)" } else if isRetriable { text += " (retriable)" }
        return text
    }
}
