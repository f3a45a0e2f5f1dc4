import KafkaClient

/// The Kafka client settings every service reads from the environment, on top of the client
/// library's defaults, because the right values depend on the broker:
/// - `KAFKA_FETCH_WAIT_MAX_MS` (10): the dev broker answers an empty fetch only when this wait
///   ends, so it is added to every hop; on Apache Kafka, which answers as soon as data arrives,
///   500 saves idle fetch requests (and, on the dev broker, CPU) at no cost in latency.
/// - `KAFKA_MAX_IN_FLIGHT` (1, at most 5 with idempotence): produce requests in flight per
///   connection; more than one waited ~40 ms for its answer on the dev broker, while Apache
///   Kafka with a long round trip gains throughput from more.
/// - `KAFKA_LINGER_MS` (1): how long a producer waits to fill a batch (`linger.ms`); each
///   millisecond is added to every hop, and fewer, larger batches cost the brokers less.
/// - `PIPELINE_BATCH_LINGER_MS` (2): how long a consumer batch of ingest, scoring and sanctions
///   that is not full waits for more messages: fewer, larger transactions at moderate load, for
///   a few milliseconds more per hop (in the benchmark, p99 at 50 % load 135, 141 and 135 ms at
///   2 against 168, 109 and 199 at 0, with PostgreSQL at 0.68 cores against 0.74).
///   Notification's batches (a request or two) do not wait; the embedded stack and compose
///   give sanctions, off the score path, 20 ms.
public struct KafkaTuning: Sendable, Equatable {
    /// `fetch.wait.max.ms` of the consumers.
    public var fetchWaitMaxMs: Int
    /// `max.in.flight.requests.per.connection` of the producers.
    public var maxInFlightRequests: Int
    /// Milliseconds a consumer batch that is not full waits for more messages.
    public var batchLingerMs: Int
    /// `linger.ms` of the producers.
    public var producerLingerMs: Int

    /// The client library's defaults for the Kafka settings, and a batch linger of 2 ms.
    public init(fetchWaitMaxMs: Int = KafkaConsumerConfiguration(bootstrapServers: "", groupID: "").fetchWaitMaxMs,
                maxInFlightRequests: Int = KafkaProducerConfiguration(bootstrapServers: "").maxInFlightRequests,
                batchLingerMs: Int = 2,
                producerLingerMs: Int = KafkaProducerConfiguration(bootstrapServers: "").lingerMs) {
        self.fetchWaitMaxMs = fetchWaitMaxMs
        self.maxInFlightRequests = maxInFlightRequests
        self.batchLingerMs = batchLingerMs
        self.producerLingerMs = producerLingerMs
    }

    /// Reads `KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`, `KAFKA_LINGER_MS` and
    /// `PIPELINE_BATCH_LINGER_MS`; a value out of range is an error that names the variable.
    public static func fromEnvironment(_ env: EnvironmentReader) throws(ConfigurationError) -> KafkaTuning {
        let defaults = KafkaTuning()
        return KafkaTuning(fetchWaitMaxMs: try env.int("KAFKA_FETCH_WAIT_MAX_MS", default: defaults.fetchWaitMaxMs, in: 1...30_000),
                           maxInFlightRequests: try env.int("KAFKA_MAX_IN_FLIGHT", default: defaults.maxInFlightRequests, in: 1...5),
                           batchLingerMs: try env.int("PIPELINE_BATCH_LINGER_MS", default: defaults.batchLingerMs, in: 0...1_000),
                           producerLingerMs: try env.int("KAFKA_LINGER_MS", default: defaults.producerLingerMs, in: 0...1_000))
    }

    /// A consumer configuration for `group` with these settings.
    public func consumer(bootstrapServers: String, groupID: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: groupID)
        configuration.fetchWaitMaxMs = fetchWaitMaxMs
        return configuration
    }

    /// The batch linger as a duration.
    public var batchLinger: Duration { .milliseconds(batchLingerMs) }

    /// A producer configuration with these settings.
    public func producer(bootstrapServers: String) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.maxInFlightRequests = maxInFlightRequests
        configuration.lingerMs = producerLingerMs
        return configuration
    }
}
