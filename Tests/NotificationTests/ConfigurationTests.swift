import Foundation
import Notification
import ServiceSupport
import Testing

@Suite struct ConfigurationTests {
    static let base = ["DATABASE_URL": "postgresql://db", "KAFKA_BOOTSTRAP": "127.0.0.1:9092"]

    @Test func defaultsFollowTheContract() throws {
        let configuration = try NotificationConfiguration.fromEnvironment(EnvironmentReader(Self.base))
        #expect(configuration.schema == "notification")
        #expect(configuration.requestTopic == "notifications.requested")
        #expect(configuration.receiptTopic == "notifications.delivered")
        #expect(configuration.groupID == "notification")
        #expect(configuration.http.port == 8084)
        #expect(configuration.routing.defaultWebhook == nil)
        #expect(configuration.routing.mailboxDirectory?.lastPathComponent == "mailbox")
        #expect(configuration.delivery.maxAttempts == 8)
    }

    @Test func webhooksFromTheEnvironmentAndAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"91350100M000100Y43": {"url": "https://acme.example/notices", "secret": "acme"}}"#.utf8).write(to: file)
        let configuration = try NotificationConfiguration.fromEnvironment(EnvironmentReader(Self.base.merging([
            "NOTIFICATION_WEBHOOK_URL": "http://127.0.0.1:9000/hook", "NOTIFICATION_WEBHOOK_SECRET": "s",
            "NOTIFICATION_WEBHOOKS_FILE": file.path, "NOTIFICATION_MAX_ATTEMPTS": "3", "NOTIFICATION_WEBHOOK_TIMEOUT": "2s",
        ]) { $1 }))
        #expect(configuration.routing.defaultWebhook?.secret == "s")
        #expect(configuration.routing.webhooks["91350100M000100Y43"]?.url.host == "acme.example")
        #expect(configuration.delivery.maxAttempts == 3)
        #expect(configuration.webhookTimeout == .seconds(2))
    }

    @Test func badSettingsNameTheVariable() {
        let cases: [[String: String]] = [
            ["NOTIFICATION_WEBHOOK_URL": "ftp://x"],
            ["NOTIFICATION_WEBHOOK_URL": "http://x/hook"],  // no secret
            ["NOTIFICATION_WEBHOOK_TIMEOUT": "90s"],  // not below the 60 s lease
            ["NOTIFICATION_WEBHOOKS_FILE": "/nonexistent/webhooks.json"],
        ]
        for extra in cases {
            #expect(throws: ConfigurationError.self, "\(extra)") {
                try NotificationConfiguration.fromEnvironment(EnvironmentReader(Self.base.merging(extra) { $1 }))
            }
        }
    }
}
