import ArgumentParser

/// `creditctl bench`: performance measurements of the system's parts; `pipeline` (the
/// default) measures the whole.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the pipeline end to end (default) or one part of it.",
        subcommands: [PipelineBench.self, KafkaBench.self, BenchCopy.self, IngestBench.self, EncodeBench.self, JSONBench.self],
        defaultSubcommand: PipelineBench.self
    )
}
