import CreditModel
import Foundation
import Logging

/// `creditctl bench pipeline` as a function: prepares the infrastructure, runs the benchmark,
/// writes `<runDirectory>/latest.json` and always stops what it started. Tests call it too.
public enum PipelineBenchRun {
    /// Runs `options` and returns the report (also written to `<runDirectory>/latest.json`).
    public static func execute(options: PipelineBenchmark.Options, databaseURL: String?, brokerControl: String?,
                               binDirectory: String, runDirectory: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
                               logger: Logger, say: @escaping @Sendable (String) -> Void) async throws -> PipelineBenchReport {
        let runDirectory = URL(fileURLWithPath: runDirectory).standardizedFileURL.path
        let deploy = URL(fileURLWithPath: workingDirectory).appendingPathComponent("deploy")
        let registry = try AgencyRegistry.load(contentsOf: deploy.appendingPathComponent("agencies.yaml"))
        let rulebook = try Rulebook.load(contentsOf: deploy.appendingPathComponent("rulebooks/default.yaml"))
        let infrastructure = try await BenchInfrastructure.prepare(databaseURL: databaseURL, brokerControl: brokerControl,
                                                                   binDirectory: binDirectory, workingDirectory: workingDirectory,
                                                                   runDirectory: runDirectory)
        let report: PipelineBenchReport
        do {
            report = try await PipelineBenchmark(options: options, infrastructure: infrastructure, registry: registry,
                                                 rulebook: rulebook, logger: logger, say: say).run()
        } catch {
            await shutdown(infrastructure, say: say)
            throw error
        }
        await shutdown(infrastructure, say: say)
        try report.json().write(to: URL(fileURLWithPath: "\(runDirectory)/latest.json"), options: .atomic)
        return report
    }

    /// Stops the benchmark's own PostgreSQL cluster; a failure is said with what to do, not
    /// thrown over the run's outcome.
    private static func shutdown(_ infrastructure: BenchInfrastructure, say: (String) -> Void) async {
        do {
            try await infrastructure.shutdown()
        } catch {
            say("could not stop the benchmark's PostgreSQL cluster, whose files stay in place: \(error)")
        }
    }
}
