import KafkaClient

/// The Kafka client settings every service reads from the environment, on top of the client
/// library's defaults, because the right values depend on the broker:
/// - `KAFKA_FETCH_WAIT_MAX_MS` (5): the dev broker answers an empty fetch only when this wait
///   ends, so up to this long is added to every hop. 5 ms rather than the client library's 10:
///   in the benchmark at 1,500 and 2,500 events/s (four pairs of runs), score change p50
///   36.4, 32.8, 33.8 and 43.0 ms against 43.5, 44.5, 43.5 and 63.0, p99 85.0, 91.1, 100.4 and
///   103.4 against 102.4, 97.3, 110.6 and 299.0, for 0.03–0.04 more cores of the dev broker.
///   An idle embedded stack uses 0.16 cores at 5 against 0.12 at 10 (0.21 at 3).
///   On Apache Kafka, which answers as soon as data arrives, 500 saves idle fetch requests at no
///   cost in latency. The embedded stack and compose give sanctions and notification, off the
///   score path, 50.
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
/// - `PIPELINE_BATCH_LINGER_BELOW` (64): only a batch with fewer messages lingers; a larger one
///   (a burst) has spread its fixed costs already and goes at once. Sanctions, off the score
///   path, always lingers on the embedded stack and compose.
/// - `PIPELINE_LANES` (2): how many transactions, on as many connections, a large batch of
///   scoring is split into by subject (the message key), so that a burst is applied in parallel
///   (`PipelineConsumerConfiguration.lanes`; batches under 64 messages stay whole). Only scoring
///   reads it: its input's keys are ingest's, always the subject code, while ingest's keys are
///   the agencies' own; sanctions reads several topics together; notification's batches are
///   small.
public struct KafkaTuning: Sendable, Equatable {
    /// `fetch.wait.max.ms` of the consumers.
    public var fetchWaitMaxMs: Int
    /// `max.in.flight.requests.per.connection` of the producers.
    public var maxInFlightRequests: Int
    /// Milliseconds a consumer batch that is not full waits for more messages.
    public var batchLingerMs: Int
    /// `linger.ms` of the producers.
    public var producerLingerMs: Int
    /// Only a consumer batch with fewer messages lingers (`PipelineConsumerConfiguration`'s
    /// `lingerWhileBelow`, whose default, 64, this repeats: this module does not import `Pipeline`).
    public var batchLingerWhileBelow: Int
    /// Transactions a large consumer batch of scoring is split into.
    public var lanes: Int

    /// The client library's defaults for the Kafka settings, a fetch wait of 5 ms and a batch
    /// linger of 2 ms for batches of fewer than 64 messages, and two lanes.
    public init(fetchWaitMaxMs: Int = 5,
                maxInFlightRequests: Int = KafkaProducerConfiguration(bootstrapServers: "").maxInFlightRequests,
                batchLingerMs: Int = 2,
                producerLingerMs: Int = KafkaProducerConfiguration(bootstrapServers: "").lingerMs,
                batchLingerWhileBelow: Int = 64,
                lanes: Int = 2) {
        self.fetchWaitMaxMs = fetchWaitMaxMs
        self.maxInFlightRequests = maxInFlightRequests
        self.batchLingerMs = batchLingerMs
        self.producerLingerMs = producerLingerMs
        self.batchLingerWhileBelow = batchLingerWhileBelow
        self.lanes = lanes
    }

    /// Reads `KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`, `KAFKA_LINGER_MS`,
    /// `PIPELINE_BATCH_LINGER_MS`, `PIPELINE_BATCH_LINGER_BELOW` and `PIPELINE_LANES`; a value out of range is an
    /// error that names the variable.
    public static func fromEnvironment(_ env: EnvironmentReader) throws(ConfigurationError) -> KafkaTuning {
        let defaults = KafkaTuning()
        return KafkaTuning(fetchWaitMaxMs: try env.int("KAFKA_FETCH_WAIT_MAX_MS", default: defaults.fetchWaitMaxMs, in: 1...30_000),
                           maxInFlightRequests: try env.int("KAFKA_MAX_IN_FLIGHT", default: defaults.maxInFlightRequests, in: 1...5),
                           batchLingerMs: try env.int("PIPELINE_BATCH_LINGER_MS", default: defaults.batchLingerMs, in: 0...1_000),
                           producerLingerMs: try env.int("KAFKA_LINGER_MS", default: defaults.producerLingerMs, in: 0...1_000),
                           batchLingerWhileBelow: try env.int("PIPELINE_BATCH_LINGER_BELOW", default: defaults.batchLingerWhileBelow,
                                                              in: 1...1_000_000),
                           lanes: try env.int("PIPELINE_LANES", default: defaults.lanes, in: 1...16))
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
