import CreditModel
import Foundation
import ServiceSupport

/// Everything the `notification` service is configured with. `main` reads it from the
/// environment (`fromEnvironment`); tests build it directly.
public struct NotificationConfiguration: Sendable {
    /// libpq URL of the database.
    public var databaseURL: String
    /// Kafka bootstrap servers.
    public var kafkaBootstrap: String
    /// The service's schema.
    public var schema = "notification"
    /// The consumed topic.
    public var requestTopic = Topics.notificationsRequested
    /// The topic receipts are published on.
    public var receiptTopic = Topics.notificationsDelivered
    /// The consumer group.
    public var groupID = "notification"
    /// The HTTP listener.
    public var http = HTTPConfiguration(port: 8084)
    /// Directory of the letter templates.
    public var templatesDirectory = URL(fileURLWithPath: "deploy/templates")
    /// The delivery channels.
    public var routing = ChannelRouting(mailboxDirectory: URL(fileURLWithPath: ".run/mailbox"))
    /// Retry and pacing of deliveries.
    public var delivery = DeliveryPolicy()
    /// Timeout of one webhook call.
    public var webhookTimeout: Duration = .seconds(10)
    /// Connections in the PostgreSQL pool.
    public var poolSize = 6
    /// Kafka client settings (`KAFKA_FETCH_WAIT_MAX_MS`, `KAFKA_MAX_IN_FLIGHT`).
    public var kafkaTuning = KafkaTuning()

    /// A configuration with defaults for everything but the two addresses.
    public init(databaseURL: String, kafkaBootstrap: String) {
        self.databaseURL = databaseURL
        self.kafkaBootstrap = kafkaBootstrap
    }

    /// Reads the configuration: `DATABASE_URL`, `KAFKA_BOOTSTRAP` (required);
    /// `NOTIFICATION_SCHEMA`, `NOTIFICATION_REQUEST_TOPIC`, `NOTIFICATION_RECEIPT_TOPIC`,
    /// `NOTIFICATION_GROUP`, `NOTIFICATION_HTTP_PORT`/`_HOST`, `NOTIFICATION_TEMPLATES_DIR`
    /// (`deploy/templates`), `NOTIFICATION_MAILBOX_DIR` (`.run/mailbox`),
    /// `NOTIFICATION_WEBHOOK_URL` + `NOTIFICATION_WEBHOOK_SECRET` (a webhook for every subject),
    /// `NOTIFICATION_WEBHOOKS_FILE` (JSON `{"<subject>": {"url": ..., "secret": ...}}`),
    /// `NOTIFICATION_WEBHOOK_TIMEOUT` (10s), `NOTIFICATION_MAX_ATTEMPTS` (8),
    /// `NOTIFICATION_RETRY_INITIAL` (1s), `NOTIFICATION_RETRY_MAX` (5m), `NOTIFICATION_LEASE` (60s).
    public static func fromEnvironment(_ env: EnvironmentReader = .init()) throws -> NotificationConfiguration {
        var configuration = NotificationConfiguration(databaseURL: try env.requiredString("DATABASE_URL"),
                                                      kafkaBootstrap: try env.requiredString("KAFKA_BOOTSTRAP"))
        configuration.kafkaTuning = try KafkaTuning.fromEnvironment(env)
        configuration.schema = env.string("NOTIFICATION_SCHEMA", default: configuration.schema)
        configuration.requestTopic = env.string("NOTIFICATION_REQUEST_TOPIC", default: configuration.requestTopic)
        configuration.receiptTopic = env.string("NOTIFICATION_RECEIPT_TOPIC", default: configuration.receiptTopic)
        configuration.groupID = env.string("NOTIFICATION_GROUP", default: configuration.groupID)
        configuration.http = try HTTPConfiguration.fromEnvironment(prefix: "NOTIFICATION", defaultPort: 8084, env)
        configuration.templatesDirectory = URL(fileURLWithPath: env.string("NOTIFICATION_TEMPLATES_DIR", default: "deploy/templates"))
        configuration.routing = ChannelRouting(
            webhooks: try webhooks(env),
            defaultWebhook: try defaultWebhook(env),
            mailboxDirectory: URL(fileURLWithPath: env.string("NOTIFICATION_MAILBOX_DIR", default: ".run/mailbox")))
        configuration.webhookTimeout = try env.duration("NOTIFICATION_WEBHOOK_TIMEOUT", default: configuration.webhookTimeout)
        configuration.delivery.maxAttempts = try env.int("NOTIFICATION_MAX_ATTEMPTS", default: 8, in: 1...1000)
        configuration.delivery.backoff.initial = try env.duration("NOTIFICATION_RETRY_INITIAL", default: .seconds(1))
        configuration.delivery.backoff.maximum = try env.duration("NOTIFICATION_RETRY_MAX", default: .seconds(300))
        configuration.delivery.lease = try env.duration("NOTIFICATION_LEASE", default: .seconds(60))
        guard configuration.delivery.lease > configuration.webhookTimeout else {
            throw ConfigurationError(variable: "NOTIFICATION_LEASE", problem: "must exceed NOTIFICATION_WEBHOOK_TIMEOUT")
        }
        return configuration
    }

    private static func defaultWebhook(_ env: EnvironmentReader) throws -> WebhookEndpoint? {
        guard let text = env.optionalString("NOTIFICATION_WEBHOOK_URL") else { return nil }
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
            throw ConfigurationError(variable: "NOTIFICATION_WEBHOOK_URL", problem: "must be an http(s) URL, got \"\(text)\"")
        }
        return WebhookEndpoint(url: url, secret: try env.requiredString("NOTIFICATION_WEBHOOK_SECRET"))
    }

    private static func webhooks(_ env: EnvironmentReader) throws -> [String: WebhookEndpoint] {
        guard let path = env.optionalString("NOTIFICATION_WEBHOOKS_FILE") else { return [:] }
        do {
            let endpoints = try JSONDecoder().decode([String: WebhookEndpoint].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            for code in endpoints.keys { _ = try SubjectCode(validating: code) }
            return endpoints
        } catch {
            throw ConfigurationError(variable: "NOTIFICATION_WEBHOOKS_FILE", problem: "cannot be read: \(error)")
        }
    }
}
