import ArgumentParser

/// `creditctl broker`: hosts librdkafka's mock cluster as the dev Kafka broker.
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the dev Kafka broker (librdkafka mock cluster).")
    func run() async throws {}
}
