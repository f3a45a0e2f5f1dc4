import Foundation
import Ingest
import Logging
import ServiceSupport

// The `ingest` executable: read the environment, bootstrap logging and metrics, run.
// Variables: see `IngestConfiguration` (DATABASE_URL, KAFKA_BOOTSTRAP, INGEST_*).
let environment = EnvironmentReader()
let logLevel: Logger.Level
do {
    logLevel = try Observability.logLevel(environment)
} catch {
    FileHandle.standardError.write(Data("ingest: \(error)\n".utf8))
    exit(2)
}
let metrics = Observability.bootstrap(service: "ingest", logLevel: logLevel)
let logger = Logger(label: "ingest")
do {
    let configuration = try IngestConfiguration.fromEnvironment(environment)
    let service = try await IngestService.prepare(configuration: configuration,
                                                  clock: SharedOffsetClock.fromEnvironment(environment), logger: logger)
    try await service.run(metrics: metrics)
} catch {
    logger.critical("ingest stopped", metadata: ["error": "\(error)"])
    exit(1)
}
