import KafkaClient
import Notification
import PostgresClient
import ServiceSupport

// The `notification` executable: configuration from the environment, then the service.
await ServiceMain.run("notification") { logger, registry in
    let configuration = try NotificationConfiguration.fromEnvironment()
    let letters = try LetterTemplates.load(directory: configuration.templatesDirectory)
    let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL, poolSize: configuration.poolSize,
                                                                 applicationName: "notification"),
                            logger: logger)
    try await NotificationService.migrate(schema: configuration.schema, pool: pool)
    let producer = try KafkaProducer(configuration: configuration.kafkaTuning.producer(bootstrapServers: configuration.kafkaBootstrap),
                                     logger: logger)
    let service = NotificationService(configuration: configuration, pool: pool, producer: producer, letters: letters,
                                      clock: SharedOffsetClock.fromEnvironment(), logger: logger)
    logger.info("notification starting", metadata: ["http": "\(configuration.http.host):\(configuration.http.port)",
                                                     "schema": "\(configuration.schema)"])
    try await ServiceRunner.run(name: "notification", http: configuration.http, router: service.router(registry: registry),
                                services: service.services, logger: logger)
    await producer.shutdown()
    await pool.shutdown()
}
