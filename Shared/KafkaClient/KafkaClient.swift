/// Swift wrapper over librdkafka.
public enum KafkaClient {}
