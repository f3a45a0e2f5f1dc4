import Ingest
import ServiceSupport

// The `ingest` executable: read the environment, bootstrap logging and metrics, run.
// Variables: see `IngestConfiguration` (DATABASE_URL, KAFKA_BOOTSTRAP, INGEST_*).
let environment = EnvironmentReader()
await ServiceMain.run("ingest", environment: environment) { logger, metrics in
    let configuration = try IngestConfiguration.fromEnvironment(environment)
    let service = try await IngestService.prepare(configuration: configuration,
                                                  clock: SharedOffsetClock.fromEnvironment(environment), logger: logger)
    try await service.run(metrics: metrics)
}
