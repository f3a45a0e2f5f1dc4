import CRdKafka

/// How a producer waits for the brokers before a message counts as delivered (`acks`).
public enum KafkaAcks: String, Sendable {
    /// Do not wait (`acks=0`); incompatible with idempotence.
    case none = "0"
    /// Wait for the partition leader (`acks=1`).
    case leader = "1"
    /// Wait for all in-sync replicas (`acks=all`); required by idempotence.
    case all = "all"
}

/// Settings of a `KafkaProducer`. Defaults suit the outbox publishers of DESIGN §9: idempotent,
/// all replicas acknowledge, small linger so that messages batch.
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list (`bootstrap.servers`).
    public var bootstrapServers: String
    /// Client id shown in broker logs (`client.id`).
    public var clientID: String = "socialcredit-producer"
    /// How long to wait for more messages before sending a batch (`linger.ms`). A publisher
    /// hands over a whole batch at once, so batching needs no waiting; each millisecond here is
    /// added to every hop (measured on the dev broker: acknowledged after 5.4 ms at 5, 0.4 ms
    /// at 0).
    public var lingerMs: Int = 1
    /// Largest batch in bytes per partition request (`batch.size`).
    public var batchSize: Int = 1_000_000
    /// Acknowledgement level (`acks`).
    public var acks: KafkaAcks = .all
    /// Exactly-once per partition and in order, across retries (`enable.idempotence`).
    public var enableIdempotence: Bool = true
    /// Time after which an undelivered message fails with `_MSG_TIMED_OUT` (`delivery.timeout.ms`).
    public var deliveryTimeoutMs: Int = 300_000
    /// Local queue capacity in messages (`queue.buffering.max.messages`); a full queue makes
    /// `send` wait (without blocking a thread) until deliveries free room.
    public var queueMaxMessages: Int = 100_000
    /// Produce requests in flight per broker connection
    /// (`max.in.flight.requests.per.connection`, librdkafka's default 1,000,000; idempotence
    /// allows up to 5). One: a second request sent before the first is answered had its answer
    /// held back about 40 ms on the dev broker (its socket leaves Nagle's algorithm on, and the
    /// client delays its TCP acknowledgement). Measured on the dev broker: 60 messages over
    /// several partitions acknowledged after 44 ms with the default, 1.5 ms with one; 2,000 after
    /// 48 ms and 5.4 ms. Raise it on Apache Kafka with high round-trip times.
    public var maxInFlightRequests: Int = 1
    /// Any other librdkafka property (CONFIGURATION.md); applied last, so it wins.
    public var properties: [String: String] = [:]

    /// A configuration with defaults for everything but the bootstrap servers.
    public init(bootstrapServers: String) { self.bootstrapServers = bootstrapServers }

    /// The librdkafka properties this configuration sets, in the order they are applied.
    public var rdKafkaProperties: [(String, String)] {
        [("bootstrap.servers", bootstrapServers), ("client.id", clientID),
         ("linger.ms", String(lingerMs)), ("batch.size", String(batchSize)), ("acks", acks.rawValue),
         ("enable.idempotence", String(enableIdempotence)), ("delivery.timeout.ms", String(deliveryTimeoutMs)),
         ("queue.buffering.max.messages", String(queueMaxMessages)),
         ("max.in.flight.requests.per.connection", String(maxInFlightRequests))]
            + properties.sorted { $0.key < $1.key }
    }
}

/// Where a consumer starts in a partition that has neither a caller-supplied nor a committed
/// offset, or whose offset is out of range (`auto.offset.reset`).
public enum KafkaOffsetReset: String, Sendable {
    /// Start at the oldest retained message.
    case earliest
    /// Start after the newest message.
    case latest
    /// Do not guess: the consumer's `poll` throws a `KafkaError` (`_AUTO_OFFSET_RESET`).
    case error
}

/// The group's partition assignment strategy. Only the EAGER ones: every rebalance revokes
/// everything and assigns afresh, which the mock cluster of librdkafka 2.0.2 supports.
public enum KafkaAssignmentStrategy: String, Sendable {
    /// Contiguous partition ranges per topic (`range`).
    case range
    /// Partitions dealt in turn (`roundrobin`).
    case roundRobin = "roundrobin"
}

/// Settings of a `KafkaConsumer` (group member with manual offset control: offsets are never
/// committed or stored automatically).
public struct KafkaConsumerConfiguration: Sendable {
    /// Comma-separated `host:port` list (`bootstrap.servers`).
    public var bootstrapServers: String
    /// Consumer group (`group.id`).
    public var groupID: String
    /// Client id shown in broker logs (`client.id`).
    public var clientID: String = "socialcredit-consumer"
    /// Start position without a supplied or committed offset (`auto.offset.reset`).
    public var autoOffsetReset: KafkaOffsetReset = .earliest
    /// Assignment strategy (`partition.assignment.strategy`).
    public var assignmentStrategy: KafkaAssignmentStrategy = .range
    /// Time after which a silent member is evicted (`session.timeout.ms`).
    public var sessionTimeoutMs: Int = 10_000
    /// Heartbeat period (`heartbeat.interval.ms`).
    public var heartbeatIntervalMs: Int = 1_000
    /// Longest time between polls before the member leaves the group (`max.poll.interval.ms`).
    public var maxPollIntervalMs: Int = 300_000
    /// Longest time a fetch waits at the broker for data (`fetch.wait.max.ms`; librdkafka's
    /// default is 500). Apache Kafka answers a waiting fetch as soon as data arrives, so there a
    /// short wait only adds idle fetch requests; librdkafka's mock cluster (the dev broker)
    /// answers only when the wait ends, so there every hop costs up to this long (measured p50
    /// per hop: 451 ms at 500, 51 ms at 100, 2.8 ms at 10). 10 ms keeps latency low on both; the
    /// services take 5 (`KafkaTuning`); raise it on Apache Kafka to save idle requests.
    public var fetchWaitMaxMs: Int = 10
    /// Any other librdkafka property; applied last, so it wins.
    public var properties: [String: String] = [:]

    /// A configuration with defaults for everything but servers and group.
    public init(bootstrapServers: String, groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka properties this configuration sets, in the order they are applied.
    public var rdKafkaProperties: [(String, String)] {
        [("bootstrap.servers", bootstrapServers), ("group.id", groupID), ("client.id", clientID),
         ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
         ("auto.offset.reset", autoOffsetReset.rawValue),
         ("partition.assignment.strategy", assignmentStrategy.rawValue),
         ("session.timeout.ms", String(sessionTimeoutMs)), ("heartbeat.interval.ms", String(heartbeatIntervalMs)),
         ("max.poll.interval.ms", String(maxPollIntervalMs)), ("fetch.wait.max.ms", String(fetchWaitMaxMs))]
            + properties.sorted { $0.key < $1.key }
    }
}

/// Builds an `rd_kafka_conf_t` from properties; the caller owns it until `rd_kafka_new` takes it.
func makeRdKafkaConf(_ properties: [(String, String)]) throws(KafkaError) -> OpaquePointer {
    let conf = rd_kafka_conf_new()!
    var buffer = [CChar](repeating: 0, count: 512)
    for (name, value) in properties where rd_kafka_conf_set(conf, name, value, &buffer, buffer.count) != RD_KAFKA_CONF_OK {
        rd_kafka_conf_destroy(conf)
        throw KafkaError.fromBuffer(RD_KAFKA_RESP_ERR__INVALID_ARG, buffer)
    }
    return conf
}
