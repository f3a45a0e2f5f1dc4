import CreditModel
import Foundation
import Logging
import Notification
import Pipeline
import PostgresClient
import ServiceSupport
import TestSupport

/// Shared test data and a migrated private schema.
enum Fixtures {
    static let logger = Logger(label: "notification-tests")
    static let subject = try! SubjectCode(validating: "11010519491231002X")
    static let requestedAt = Date(timeIntervalSince1970: 1_795_000_000)
    static let deliveredAt = Date(timeIntervalSince1970: 1_795_003_600)

    /// The repository's letter templates.
    static var templatesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/templates")
    }

    static func letters() throws -> LetterTemplates { try LetterTemplates.load(directory: templatesDirectory) }

    /// A sanction notice for a fresh case.
    static func sanctionNotice(caseID: String = "case-\(UUID().uuidString.prefix(8))",
                               subject: SubjectCode = Fixtures.subject) -> NoticeRequest {
        NoticeRequest(caseID: caseID, subject: subject, kind: .sanctionNotice,
                      measures: [Measure(rawValue: "travel.flight_ban"), Measure(rawValue: "list.public_blacklist")],
                      title: "You are proposed for the dishonest-debtor list",
                      reasons: ["court reported court.order_ignored (event court-2026-000123); rule court-listing@3"],
                      appealDays: 10, appealCode: "APL-7Q2K", requestedAt: requestedAt)
    }

    /// A pool on a freshly migrated schema with a unique name.
    static func migratedSchema() async throws -> (pool: PostgresPool, schema: String) {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 6), logger: logger)
        let schema = TestEnvironment.uniqueName("notif").replacingOccurrences(of: "-", with: "_")
        try await NotificationService.migrate(schema: schema, pool: pool)
        return (pool, schema)
    }

    /// The receipts waiting in `schema`'s outbox.
    static func outboxReceipts(schema: String, pool: PostgresPool) async throws -> [NoticeReceipt] {
        let rows = try await pool.withConnection { try await Outbox(schema: schema).pending(limit: 1000, on: $0) }
        return try rows.map { try MessageCoding.decode(NoticeReceipt.self, from: Data($0.message.payload)) }
    }
}
