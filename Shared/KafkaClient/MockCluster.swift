import CRdKafka
import Logging

/// An in-process Kafka cluster from librdkafka's mock broker (`rd_kafka_mock_*`), listening
/// on loopback ports that librdkafka picks. Everything is in memory; each partition keeps at
/// most about 5 MiB or 100,000 message batches (older ones are dropped).
///
/// It is owned by a minimal producer instance created with `test.mock.num.brokers`, so the
/// cluster lives exactly as long as that handle. Broker ids are 1...brokers.
public final class MockCluster: Sendable {
    private let handle: KafkaHandle
    /// Number of brokers.
    public let brokerCount: Int
    /// Bootstrap servers of the cluster (`127.0.0.1:port,...`).
    public let bootstrapServers: String

    /// Starts a cluster of `brokers` brokers. librdkafka's own logs go to `logger`.
    public init(brokers: Int = 1, logger: Logger) throws {
        brokerCount = brokers
        handle = try KafkaHandle(type: RD_KAFKA_PRODUCER,
                                 properties: [("test.mock.num.brokers", String(brokers)), ("client.id", "mock-cluster")],
                                 context: ClientContext(logger: logger))
        guard let mock = rd_kafka_handle_mock_cluster(handle.rk) else {
            throw KafkaError(code: .invalidArgument, message: "librdkafka did not create a mock cluster")
        }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mock))
    }

    private var mock: OpaquePointer {
        get throws(KafkaError) {
            guard !handle.isDestroyed, let mock = rd_kafka_handle_mock_cluster(handle.rk) else {
                throw KafkaError(code: .destroyed, message: "mock cluster is destroyed")
            }
            return mock
        }
    }

    /// Creates a topic (replication factor 1); creating an existing one is an error.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try check(rd_kafka_mock_topic_create(try mock, name, Int32(partitions), Int32(replicationFactor)), "create topic \(name)")
    }

    /// Takes a broker down: its connections close and it refuses new ones until `setBrokerUp`.
    public func setBrokerDown(_ brokerID: Int32) throws {
        try check(rd_kafka_mock_broker_set_down(try mock, brokerID), "set broker \(brokerID) down")
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ brokerID: Int32) throws {
        try check(rd_kafka_mock_broker_set_up(try mock, brokerID), "set broker \(brokerID) up")
    }

    /// Makes the next `errors.count` requests of protocol `apiKey` (0 = Produce, 1 = Fetch,
    /// 3 = Metadata, ...) on any broker fail with these codes, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [KafkaError.Code]) throws {
        let codes = errors.map(\.rd)
        rd_kafka_mock_push_request_errors_array(try mock, apiKey, codes.count, codes)
    }

    /// Drops the errors still queued for `apiKey`.
    public func clearRequestErrors(apiKey: Int16) throws {
        rd_kafka_mock_clear_request_errors(try mock, apiKey)
    }

    /// Stops the cluster now (it also stops when the last reference goes); later calls throw
    /// `_DESTROY`. Only call it when no other call on this cluster is in flight.
    public func destroy() { handle.destroy() }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "mock cluster: \(what) failed") }
    }
}
