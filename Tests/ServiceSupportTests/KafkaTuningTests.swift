import KafkaClient
import ServiceSupport
import Testing

/// The broker-dependent Kafka settings every service reads.
@Suite struct KafkaTuningTests {
    @Test func unsetVariablesKeepTheDefaults() throws {
        let tuning = try KafkaTuning.fromEnvironment(EnvironmentReader([:]))
        #expect(tuning == KafkaTuning(fetchWaitMaxMs: 5, maxInFlightRequests: 1, batchLingerMs: 2, producerLingerMs: 1,
                                      batchLingerWhileBelow: 64, lanes: 2))
        #expect(tuning.batchLinger == .milliseconds(2))
        let consumer = tuning.consumer(bootstrapServers: "b:9092", groupID: "g")
        #expect(consumer.rdKafkaProperties.contains { $0 == ("fetch.wait.max.ms", "5") })
        #expect(consumer.groupID == "g" && consumer.bootstrapServers == "b:9092")
    }

    @Test func variablesReachTheClientProperties() throws {
        let tuning = try KafkaTuning.fromEnvironment(EnvironmentReader(["KAFKA_FETCH_WAIT_MAX_MS": "500", "KAFKA_MAX_IN_FLIGHT": "5",
                                                                        "KAFKA_LINGER_MS": "7"]))
        #expect(tuning.consumer(bootstrapServers: "b", groupID: "g").rdKafkaProperties.contains { $0 == ("fetch.wait.max.ms", "500") })
        let producer = tuning.producer(bootstrapServers: "b").rdKafkaProperties
        #expect(producer.contains { $0 == ("max.in.flight.requests.per.connection", "5") })
        #expect(producer.contains { $0 == ("linger.ms", "7") })
        #expect(try KafkaTuning.fromEnvironment(EnvironmentReader(["PIPELINE_BATCH_LINGER_BELOW": "2001"])).batchLingerWhileBelow == 2001)
        #expect(try KafkaTuning.fromEnvironment(EnvironmentReader(["PIPELINE_LANES": "1"])).lanes == 1)
    }

    @Test func valuesOutOfRangeNameTheVariable() {
        #expect { try KafkaTuning.fromEnvironment(EnvironmentReader(["KAFKA_MAX_IN_FLIGHT": "6"])) } throws: {
            ($0 as? ConfigurationError)?.variable == "KAFKA_MAX_IN_FLIGHT"
        }
        #expect { try KafkaTuning.fromEnvironment(EnvironmentReader(["KAFKA_FETCH_WAIT_MAX_MS": "soon"])) } throws: {
            ($0 as? ConfigurationError)?.variable == "KAFKA_FETCH_WAIT_MAX_MS"
        }
        #expect { try KafkaTuning.fromEnvironment(EnvironmentReader(["KAFKA_LINGER_MS": "-1"])) } throws: {
            ($0 as? ConfigurationError)?.variable == "KAFKA_LINGER_MS"
        }
        #expect { try KafkaTuning.fromEnvironment(EnvironmentReader(["PIPELINE_BATCH_LINGER_BELOW": "0"])) } throws: {
            ($0 as? ConfigurationError)?.variable == "PIPELINE_BATCH_LINGER_BELOW"
        }
        #expect { try KafkaTuning.fromEnvironment(EnvironmentReader(["PIPELINE_LANES": "17"])) } throws: {
            ($0 as? ConfigurationError)?.variable == "PIPELINE_LANES"
        }
    }
}
