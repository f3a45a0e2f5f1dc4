import Foundation
import KafkaClient
import Logging
import Notification
import PostgresClient
import ServiceSupport

// The `notification` executable: configuration from the environment, then the service.
let logLevel: Logger.Level
do {
    logLevel = try Observability.logLevel()
} catch {
    FileHandle.standardError.write(Data("notification: \(error)\n".utf8))
    exit(2)
}
let registry = Observability.bootstrap(service: "notification", logLevel: logLevel)
let logger = Logger(label: "notification")
do {
    let configuration = try NotificationConfiguration.fromEnvironment()
    let letters = try LetterTemplates.load(directory: configuration.templatesDirectory)
    let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL, poolSize: configuration.poolSize),
                            logger: logger)
    try await NotificationService.migrate(schema: configuration.schema, pool: pool)
    let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: configuration.kafkaBootstrap),
                                     logger: logger)
    let service = NotificationService(configuration: configuration, pool: pool, producer: producer, letters: letters,
                                      clock: SharedOffsetClock.fromEnvironment(), logger: logger)
    logger.info("notification starting", metadata: ["http": "\(configuration.http.host):\(configuration.http.port)",
                                                     "schema": "\(configuration.schema)"])
    try await ServiceRunner.run(name: "notification", http: configuration.http, router: service.router(registry: registry),
                                services: service.services, logger: logger)
    await producer.shutdown()
    await pool.shutdown()
} catch {
    logger.critical("notification stopped: \(error)")
    exit(1)
}
