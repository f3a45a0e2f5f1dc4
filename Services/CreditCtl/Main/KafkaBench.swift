import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaClient
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
        let partitions = max(16, Int((Double(messages) * Double(size + 80) / Double(4 << 20)).rounded(.up)))
        print("bench kafka: \(messages) messages of \(size) bytes, topics of \(partitions) partitions "
              + "(\(messages * (size + 80) / partitions / 1024) KiB per partition, mock limit 5 MiB), broker \(servers)")

        var swift: [(produce: Double, consume: Double)] = []
        var c: [(produce: Double, consume: Double)] = []
        for round in 1...rounds {
            let swiftTopic = "bench-swift-\(UUID().uuidString.prefix(8).lowercased())"
            try await createTopic(swiftTopic, partitions: partitions, control: state?.control)
            let swiftProduce = try await produce(servers, topic: swiftTopic, logger: logger)
            let swiftConsume = try await consume(servers, topic: swiftTopic, logger: logger)
            swift.append((swiftProduce, swiftConsume))
            print(String(format: "round %d swift: produce %.0f msgs/s, consume %.0f msgs/s", round, swiftProduce, swiftConsume))
            guard !skipC else { continue }
            let cTopic = "bench-c-\(UUID().uuidString.prefix(8).lowercased())"
            try await createTopic(cTopic, partitions: partitions, control: state?.control)
            c.append(try runC(servers, topic: cTopic))
            print(String(format: "round %d c    : produce %.0f msgs/s, consume %.0f msgs/s", round, c[round - 1].produce, c[round - 1].consume))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let swiftProduce = median(swift.map(\.produce)), swiftConsume = median(swift.map(\.consume))
        print(String(format: "swift (median of %d): produce %.0f msgs/s, consume %.0f msgs/s", rounds, swiftProduce, swiftConsume))
        guard !skipC else { return }
        let cProduce = median(c.map(\.produce)), cConsume = median(c.map(\.consume))
        print(String(format: "c     (median of %d): produce %.0f msgs/s, consume %.0f msgs/s", rounds, cProduce, cConsume))
        print(String(format: "ratio swift/c: produce %.2f, consume %.2f", swiftProduce / cProduce, swiftConsume / cConsume))
    }

    /// Produces in chunks of 10,000 with up to 8 chunks awaiting acknowledgement.
    private func produce(_ servers: String, topic: String, logger: Logger) async throws -> Double {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: servers), logger: logger)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let keys = (0..<1000).map { Array("subject-\($0)".utf8) }
        let chunk = 10_000
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = 0
            for first in stride(from: 0, to: messages, by: chunk) {
                if inFlight == 8 { _ = try await group.next(); inFlight -= 1 }
                let batch = (first..<min(first + chunk, messages)).map {
                    KafkaOutgoingMessage(topic: topic, key: keys[$0 % keys.count], value: payload)
                }
                group.addTask { try await producer.send(batch).count }
                inFlight += 1
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        await producer.shutdown()
        return Double(messages) / elapsed.seconds
    }

    /// Consumes everything through a fresh group, timed from the first message to the last.
    private func consume(_ servers: String, topic: String, logger: Logger) async throws -> Double {
        let configuration = KafkaConsumerConfiguration(bootstrapServers: servers, groupID: "bench-swift-\(UUID().uuidString.prefix(8))")
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try await consumer.subscribe(topics: [topic])
        var received = 0
        var first: ContinuousClock.Instant?
        let deadline = ContinuousClock.now + .seconds(300)
        while received < messages && ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100))
            if first == nil && !batch.isEmpty { first = .now }
            received += batch.count
        }
        let elapsed = ContinuousClock.now - (first ?? .now)
        await consumer.close()
        guard received >= messages else { throw ValidationError("consumed only \(received) of \(messages)") }
        return Double(messages - 1) / elapsed.seconds
    }

    /// Compiles (if needed) and runs the C baseline; parses its two numbers.
    private func runC(_ servers: String, topic: String) throws -> (produce: Double, consume: Double) {
        let binary = ".run/kafka_bench"
        let fm = FileManager.default
        let sourceDate = try fm.attributesOfItem(atPath: cSource)[.modificationDate] as? Date ?? .distantFuture
        let binaryDate = (try? fm.attributesOfItem(atPath: binary)[.modificationDate] as? Date) ?? .distantPast
        if binaryDate < sourceDate {
            try fm.createDirectory(atPath: ".run", withIntermediateDirectories: true)
            _ = try execute("/usr/bin/env", ["cc", "-O2", "-o", binary, cSource, "-lrdkafka"])
        }
        let output = try execute(binary, [servers, topic, String(messages), String(size)])
        func value(_ name: String) throws -> Double {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(name + "=") }),
                  let number = Double(line.dropFirst(name.count + 1)) else {
                throw ValidationError("C benchmark printed no \(name): \(output)")
            }
            return number
        }
        return (try value("produce_msgs_per_sec"), try value("consume_msgs_per_sec"))
    }

    private func execute(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(path) failed with status \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Creates a topic through the dev broker's control API (else it is auto-created with the
    /// broker's default partition count).
    private func createTopic(_ name: String, partitions: Int, control: String?) async throws {
        guard let control, let url = URL(string: control + "/topics") else {
            print("bench kafka: no control API; relying on topic auto-creation")
            return
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["name": name, "partitions": partitions])
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ValidationError("creating topic \(name) failed: \(String(decoding: data, as: UTF8.self))")
        }
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
