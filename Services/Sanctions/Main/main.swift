import CreditModel
import Foundation
import KafkaClient
import PostgresClient
import Sanctions
import ServiceSupport

// The `sanctions` executable: configuration and rulebook from the environment, then the service.
await ServiceMain.run("sanctions") { logger, registry in
    let configuration = try SanctionsConfiguration.fromEnvironment()
    let rulebook = try Rulebook.load(contentsOf: URL(fileURLWithPath: configuration.rulebookPath))
    let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL, poolSize: configuration.poolSize,
                                                                 applicationName: "sanctions"), logger: logger)
    if CommandLine.arguments.dropFirst().first == "bench" {
        // `sanctions bench [messages]`: the batch path's throughput beside COPY (see SanctionsBenchmark).
        let count = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 20_000
        let schema = "\(configuration.schema)_bench_\(Int(Date().timeIntervalSince1970))"
        let result = try await SanctionsBenchmark(pool: pool, schema: schema, messages: count).run(rulebook: rulebook)
        print("benchmark in schema \(schema) (drop it when done)\n\(result)")
        await pool.shutdown()
        exit(0)
    }
    try await SanctionsService.migrate(schema: configuration.schema, pool: pool)
    let producer = try KafkaProducer(configuration: configuration.kafkaTuning.producer(bootstrapServers: configuration.kafkaBootstrap),
                                     logger: logger)
    let service = SanctionsService(configuration: configuration, rulebook: rulebook, pool: pool, producer: producer,
                                   clock: SharedOffsetClock.fromEnvironment(), logger: logger)
    if configuration.officers.isEmpty || configuration.enforcers.isEmpty {
        logger.warning("no officer or enforcer tokens configured: reviews or list lookups are refused")
    }
    logger.info("sanctions starting", metadata: ["http": "\(configuration.http.host):\(configuration.http.port)",
                                                  "schema": "\(configuration.schema)", "policies": "\(rulebook.policies.count)"])
    try await ServiceRunner.run(name: "sanctions", http: configuration.http, router: service.router(registry: registry),
                                services: service.services, logger: logger)
    await producer.shutdown()
    await pool.shutdown()
}
