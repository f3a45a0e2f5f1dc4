import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import Hummingbird
import KafkaClient
import Logging

/// `creditctl broker`: hosts librdkafka's mock cluster as the dev Kafka broker, on loopback,
/// with every topic of `Topics.all`. Everything is in memory: a restarted broker is empty.
///
/// Writes the state file atomically as
/// `{"bootstrap":"127.0.0.1:port,...","control":"http://127.0.0.1:port","pid":N}` and removes
/// it on SIGTERM/SIGINT. The control API (JSON, on 127.0.0.1) lets tests and tools change the
/// broker without sharing its process:
///
/// - `GET /health` → `{"status":"ok"}`
/// - `GET /clusters` → `[{"id","bootstrap","brokers"}]` (`default` is the shared cluster)
/// - `POST /topics` `{"name":"t","partitions":4}` → creates a topic on the default cluster
/// - `POST /clusters` `{"brokers":1}` → a new PRIVATE cluster `{"id":"c1","bootstrap":...,"brokers":1}`
/// - `DELETE /clusters/{id}` → destroys a private cluster
/// - `POST /clusters/{id}/topics` `{"name":"t","partitions":4}` → creates a topic there
/// - `POST /clusters/{id}/brokers/{broker}/down` and `.../up` → takes broker 1...N down or up
/// - `POST /clusters/{id}/errors` `{"apiKey":0,"errors":[6,7]}` → the next requests of that
///   ApiKey (0 Produce, 1 Fetch, 3 Metadata...) fail with these Kafka error codes, in order
/// - `DELETE /clusters/{id}/errors/{apiKey}` → drops queued errors
///
/// Errors are `{"error":code,"message":text}` with status 400, 404 or 409 (topic exists).
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the dev Kafka broker (librdkafka mock cluster).")

    @Option(help: "Number of brokers in the default cluster.")
    var brokers = 1
    @Option(help: "Partitions of each topic of Topics.all.")
    var partitions = 4
    @Option(help: "Partitions of each agency topic of Topics.all (default: --partitions).")
    var agencyPartitions: Int?
    @Option(help: "Where to write the state JSON (bootstrap, control, pid).")
    var stateFile = ".run/broker.json"
    @Option(help: "Port of the HTTP control API on 127.0.0.1 (0 = any free port).")
    var controlPort = 0

    func validate() throws {
        try validatePartitionOptions([("--partitions", partitions), ("--agency-partitions", agencyPartitions)])
    }

    func run() async throws {
        let logger = Logger(label: "creditctl.broker")
        let counts = TopicPartitions(agency: agencyPartitions ?? partitions, pipeline: partitions)
        let broker = try DevBroker(brokers: brokers, topics: Topics.all.map { ($0, counts.count(of: $0)) }, logger: logger)
        let bootstrap = await broker.bootstrapServers
        say("dev broker: bootstrap \(bootstrap), \(Topics.all.count) topics with \(partitions) partitions"
            + (counts.agency == partitions ? "" : " (agency topics \(counts.agency))"))
        let stateURL = URL(fileURLWithPath: stateFile)
        let app = Application(
            router: BrokerControlAPI.router(broker),
            configuration: .init(address: .hostname("127.0.0.1", port: controlPort), serverName: "creditctl-broker"),
            onServerRunning: { channel in
                let control = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
                let state = BrokerState(bootstrap: bootstrap, control: control, pid: ProcessInfo.processInfo.processIdentifier)
                do {
                    try FileManager.default.createDirectory(at: stateURL.deletingLastPathComponent(), withIntermediateDirectories: true)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    try encoder.encode(state).write(to: stateURL, options: .atomic)
                    say("dev broker: control \(control), state in \(stateURL.path)")
                } catch {
                    logger.critical("dev broker: cannot write \(stateURL.path): \(error)")
                }
            },
            logger: logger
        )
        defer { try? FileManager.default.removeItem(at: stateURL) }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        await broker.shutdown()
        say("dev broker: stopped")
    }
}

/// The state file's content, read by `scripts/lib/infra.sh` and `creditctl bench`.
struct BrokerState: Codable {
    /// Bootstrap servers of the default cluster.
    var bootstrap: String
    /// Base URL of the control API.
    var control: String
    /// Process id of the broker.
    var pid: Int32
}

/// Refuses a partition count outside ``TopicPartitions/allowed``, naming its option; nil (not
/// given) passes.
func validatePartitionOptions(_ options: [(name: String, value: Int?)]) throws {
    for (name, value) in options {
        if let value, !TopicPartitions.allowed.contains(value) {
            throw ValidationError("\(name) must be between \(TopicPartitions.allowed.lowerBound) and \(TopicPartitions.allowed.upperBound), got \(value)")
        }
    }
}
