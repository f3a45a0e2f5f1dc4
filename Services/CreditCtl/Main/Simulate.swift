import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import KafkaClient
import Logging

/// `creditctl simulate`: publishes a synthetic population's events to the agency topics of
/// the running stack, with a progress bar, optionally paced.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish synthetic agency events to the running stack's agency topics.",
        discussion: """
            Subjects get valid codes (persons, companies, organisations); kinds, agencies and attributes follow \
            deploy/agencies.yaml and the event catalogue; a few events retract earlier ones. The same seed gives \
            the same events (ids sim-<seed>-<n>), so a rerun on the same day is recognised as duplicates.
            """)

    @Option(help: "Subjects in the population.")
    var subjects = 10_000
    @Option(help: "Events to publish.")
    var events = 10_000
    @Option(help: "Events per second (default: as fast as possible).")
    var rate: Double?
    @Option(help: "Seed of the population and the events.")
    var seed: UInt64 = 1
    @Option(help: "Bootstrap servers (default: the stack file's).")
    var bootstrap: String?
    @Option(help: "The stack file.")
    var stackFile = StackFile.defaultPath
    @Option(help: "Agency registry the events must respect.")
    var agencies = "deploy/agencies.yaml"

    func validate() throws {
        guard subjects > 0, events >= 0 else { throw ValidationError("--subjects must be positive and --events not negative") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "creditctl.simulate")
        logger.logLevel = .warning
        let servers = try bootstrap ?? StackFile.load(from: stackFile).kafka.bootstrap
        let registry = try AgencyRegistry.load(contentsOf: URL(fileURLWithPath: agencies))
        let population = SyntheticPopulation(count: subjects, seed: seed)
        var traffic = try SyntheticTraffic(
            population: population, registry: registry, seed: seed,
            configuration: SyntheticTraffic.Configuration(events: events, idPrefix: "sim-\(seed)-",
                                                          anchor: SyntheticTraffic.anchor(for: Date())))
        print("simulate: \(events) events over \(subjects) subjects to \(servers)"
              + (rate.map { String(format: ", paced at %.0f/s", $0) } ?? ", as fast as possible"))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: servers), logger: logger)
        var progress = ProgressLine(total: events)
        let summary: EventPublisher.Summary
        do {
            summary = try await EventPublisher(producer: producer).publish(&traffic, rate: rate, progress: { progress.update(done: $0) })
        } catch {
            progress.finish()
            await producer.shutdown()
            throw error
        }
        progress.finish()
        await producer.shutdown()
        print(String(format: "simulate: sent %d events in %.1f s (%.0f events/s)", summary.events, summary.seconds, summary.rate))
        for (agency, count) in summary.perAgency.sorted(by: { $0.key < $1.key }) {
            print("  \(Topics.agencyEvents(agency)): \(count)")
        }
    }
}
