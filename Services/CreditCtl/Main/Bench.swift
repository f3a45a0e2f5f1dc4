import ArgumentParser

/// `creditctl bench`: performance measurements of the system's parts.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput of the system's parts.",
        subcommands: [KafkaBench.self, BenchCopy.self, IngestBench.self]
    )
}
