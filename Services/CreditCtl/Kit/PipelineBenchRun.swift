import CreditModel
import Foundation
import Logging
import PostgresClient

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
            if infrastructure.cluster != nil {
                try await recycleWAL(on: infrastructure.serverURL, logger: logger, say: say)
            }
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

    /// Gives the benchmark's own new cluster the recycled WAL segments of a server in steady state
    /// (``WALSegments``); a server it was given is left as it is.
    private static func recycleWAL(on url: String, logger: Logger, say: (String) -> Void) async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 1, applicationName: "creditctl-bench"),
                                logger: logger)
        say("preparing PostgreSQL's WAL: recycled segments up to min_wal_size, as a server in steady state has them")
        let start = ContinuousClock.now
        do {
            let segments = try await WALSegments.recycle(on: pool)
            say("  \(segments) WAL segments recycled in \(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s")
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
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
