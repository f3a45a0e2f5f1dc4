import ArgumentParser
import CreditCtlKit
import DevBrokerClient
import Foundation
import Logging

/// `creditctl bench kafka`: produces N messages through the Swift wrapper and consumes them
/// back through a group consumer, then does the same through a small C program on librdkafka
/// (scripts/bench/kafka_bench.c, compiled into .run/ on demand) against the same broker, and
/// prints msgs/s of each and the Swift/C ratios (medians over `--rounds`, since the 2-core
/// machine is shared and single runs vary).
///
/// The mock broker keeps about 5 MiB per partition, so each run gets its own topic with
/// enough partitions for N x (size + ~80 bytes of record overhead) at <= 4 MiB per partition.
struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kafka", abstract: "Kafka produce/consume throughput, Swift wrapper vs C.")

    @Option(help: "Messages to produce and consume.")
    var messages = 500_000
    @Option(help: "Value size in bytes.")
    var size = 200
    @Option(help: "Bootstrap servers (default: from the state file).")
    var bootstrap: String?
    @Option(help: "Dev broker state file (bootstrap and control API).")
    var stateFile = ".run/broker.json"
    @Option(help: "C benchmark source.")
    var cSource = "scripts/bench/kafka_bench.c"
    @Option(help: "Rounds (each: Swift then C, on fresh topics); medians are compared.")
    var rounds = 3
    @Flag(help: "Skip the C baseline.")
    var skipC = false

    func run() async throws {
        var logger = Logger(label: "creditctl.bench")
        logger.logLevel = .warning
        let state = try? JSONDecoder().decode(BrokerState.self, from: Data(contentsOf: URL(fileURLWithPath: stateFile)))
        guard let servers = bootstrap ?? state?.bootstrap else {
            throw ValidationError("no --bootstrap and no state file at \(stateFile): start `creditctl broker` first")
        }
        let partitions = KafkaLimit.partitions(messages: messages, size: size)
        let limit = KafkaLimit(bootstrap: servers, messages: messages, size: size, logger: logger)
        print("bench kafka: \(messages) messages of \(size) bytes, topics of \(partitions) partitions "
              + "(\(messages * (size + 80) / partitions / 1024) KiB per partition, mock limit 5 MiB), broker \(servers)")

        var swift: [(produce: Double, consume: Double)] = []
        var c: [(produce: Double, consume: Double)] = []
        for round in 1...rounds {
            let swiftTopic = "bench-swift-\(UUID().uuidString.prefix(8).lowercased())"
            try await createTopic(swiftTopic, partitions: partitions, control: state?.control)
            let swiftProduce = try await limit.produce(topic: swiftTopic)
            let swiftConsume = try await limit.consume(topic: swiftTopic)
            swift.append((swiftProduce, swiftConsume))
            print(String(format: "round %d swift: produce %.0f msgs/s, consume %.0f msgs/s", round, swiftProduce, swiftConsume))
            guard !skipC else { continue }
            let cTopic = "bench-c-\(UUID().uuidString.prefix(8).lowercased())"
            try await createTopic(cTopic, partitions: partitions, control: state?.control)
            c.append(try await runC(servers, topic: cTopic))
            print(String(format: "round %d c    : produce %.0f msgs/s, consume %.0f msgs/s", round, c[round - 1].produce, c[round - 1].consume))
        }
        func median(_ values: [Double]) -> Double { Spread(values).median }
        let swiftProduce = median(swift.map(\.produce)), swiftConsume = median(swift.map(\.consume))
        print(String(format: "swift (median of %d): produce %.0f msgs/s, consume %.0f msgs/s", rounds, swiftProduce, swiftConsume))
        guard !skipC else { return }
        let cProduce = median(c.map(\.produce)), cConsume = median(c.map(\.consume))
        print(String(format: "c     (median of %d): produce %.0f msgs/s, consume %.0f msgs/s", rounds, cProduce, cConsume))
        print(String(format: "ratio swift/c: produce %.2f, consume %.2f", swiftProduce / cProduce, swiftConsume / cConsume))
    }

    /// Compiles (if needed) and runs the C baseline; parses its two numbers.
    private func runC(_ servers: String, topic: String) async throws -> (produce: Double, consume: Double) {
        let binary = ".run/kafka_bench"
        let fm = FileManager.default
        let sourceDate = try fm.attributesOfItem(atPath: cSource)[.modificationDate] as? Date ?? .distantFuture
        let binaryDate = (try? fm.attributesOfItem(atPath: binary)[.modificationDate] as? Date) ?? .distantPast
        if binaryDate < sourceDate {
            try fm.createDirectory(atPath: ".run", withIntermediateDirectories: true)
            _ = try await execute("/usr/bin/env", ["cc", "-O2", "-o", binary, cSource, "-lrdkafka"])
        }
        let output = try await execute(binary, [servers, topic, String(messages), String(size)])
        func value(_ name: String) throws -> Double {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(name + "=") }),
                  let number = Double(line.dropFirst(name.count + 1)) else {
                throw ValidationError("C benchmark printed no \(name): \(output)")
            }
            return number
        }
        return (try value("produce_msgs_per_sec"), try value("consume_msgs_per_sec"))
    }

    /// Creates a topic through the dev broker's control API (else it is auto-created with the
    /// broker's default partition count).
    private func createTopic(_ name: String, partitions: Int, control: String?) async throws {
        guard let control else {
            print("bench kafka: no control API; relying on topic auto-creation")
            return
        }
        try await DevBrokerControl(baseURL: control).createTopic(name, partitions: partitions)
    }

    private func execute(_ path: String, _ arguments: [String]) async throws -> String {
        try await CommandRunner.run(path, arguments)
    }
}
