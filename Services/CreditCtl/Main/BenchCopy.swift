import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import Logging
import PostgresClient

/// `creditctl bench copy`: rows/s of bulk event-row writes through the PostgresClient wrapper's
/// COPY, through `psql \copy` from a file (the reference), and through batched unnest INSERTs.
struct BenchCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Compare COPY through the libpq wrapper with psql \\copy and with unnest INSERT batches."
    )

    @Option(help: "Rows to write in each method.")
    var rows = 200_000

    @Option(help: "libpq URL of the database (default: $DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Rows per INSERT ... SELECT FROM unnest(...) statement.")
    var batchSize = 1000

    /// One generated event row, shaped like the ingest service's events table.
    struct EventRow {
        var id: Int64
        var agency: String
        var eventID: String
        var subject: String
        var kind: String
        var occurredAt: Date
        var attributes: PostgresRawJSON
        var receivedAt: Date
    }

    static let columns = ["id", "agency", "event_id", "subject", "kind", "occurred_at", "attributes", "received_at"]

    func run() async throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("pass --database-url or set DATABASE_URL")
        }
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConfiguration(url: url, applicationName: "creditctl-bench"),
            logger: Logger(label: "creditctl.bench"))
        let table = "bench_events_\(ProcessInfo.processInfo.processIdentifier)"
        try await connection.executeScript(unsafeSQL: """
            DROP TABLE IF EXISTS \(table);
            CREATE TABLE \(table) (id bigint PRIMARY KEY, agency text NOT NULL, event_id text NOT NULL,
                subject text NOT NULL, kind text NOT NULL, occurred_at timestamptz NOT NULL,
                attributes jsonb NOT NULL, received_at timestamptz NOT NULL)
            """)
        let events = Self.generate(rows)
        print("bench copy: \(rows) event rows into \(table)")

        let wrapperRate = try await measure(connection, table) {
            try await connection.copy(into: table, columns: Self.columns) { writer in
                for event in events {
                    try writer.append(event.id)
                    writer.append(event.agency)
                    writer.append(event.eventID)
                    writer.append(event.subject)
                    writer.append(event.kind)
                    try writer.append(event.occurredAt)
                    try writer.append(event.attributes)
                    try writer.append(event.receivedAt)
                    try writer.endRow()
                }
            }
        }
        let file = try Self.writeCopyFile(events)
        defer { try? FileManager.default.removeItem(at: file) }
        let psqlRate = try await measure(connection, table) {
            try await Self.runPsql(url: url, command: "\\copy \(table) (\(Self.columns.joined(separator: ", "))) from '\(file.path)'")
        }
        let unnestRate = try await measure(connection, table) {
            for start in stride(from: 0, to: events.count, by: batchSize) {
                let batch = events[start..<min(start + batchSize, events.count)]
                try await connection.execute("""
                    INSERT INTO \(identifier: table) (\(unsafeRaw: Self.columns.joined(separator: ", ")))
                    SELECT * FROM unnest(\(batch.map(\.id))::bigint[], \(batch.map(\.agency))::text[],
                        \(batch.map(\.eventID))::text[], \(batch.map(\.subject))::text[], \(batch.map(\.kind))::text[],
                        \(batch.map(\.occurredAt))::timestamptz[], \(batch.map(\.attributes))::jsonb[],
                        \(batch.map(\.receivedAt))::timestamptz[])
                    """)
            }
        }
        try await connection.execute("DROP TABLE \(identifier: table)")
        print(String(format: "wrapper COPY:          %10.0f rows/s", wrapperRate))
        print(String(format: "psql \\copy (file):     %10.0f rows/s", psqlRate))
        print(String(format: "ratio wrapper/psql:    %10.2f", wrapperRate / psqlRate))
        print(String(format: "unnest INSERT x%-5d: %10.0f rows/s", batchSize, unnestRate))
    }

    /// Empties the table, runs `write`, checks every row arrived and returns rows per second.
    func measure(_ connection: PostgresConnection, _ table: String,
                 _ write: () async throws -> Void) async throws -> Double {
        try await connection.execute("TRUNCATE \(identifier: table)")
        try await connection.execute("CHECKPOINT")
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { try await write() }
        let count: Int = try await connection.query("SELECT count(*) FROM \(identifier: table)")[0].decode(at: 0)
        guard count == rows else { throw ValidationError("expected \(rows) rows, found \(count)") }
        return Double(rows) / elapsed.timeInterval
    }

    /// Deterministic event rows.
    static func generate(_ count: Int) -> [EventRow] {
        let agencies = ["court", "jinan-dogs", "tax-office", "rail", "library"]
        let kinds = ["dog.unleashed", "fine.unpaid", "ticket.evaded", "book.overdue", "volunteer.hours"]
        let base = Date(timeIntervalSince1970: 1_735_689_600)
        return (0..<count).map { index in
            let offset = Double(index) * 0.123457
            let eventID: String = "evt-\(index)-\(index &* 2_654_435_761 % 1_000_003)"
            let subject = String(format: "1101011990%08d", index % 50_000_000)
            let json: String = "{\"amount\": \(index % 500), \"place\": \"district \(index % 17)\", \"note\": \"text\"}"
            return EventRow(id: Int64(index), agency: agencies[index % agencies.count], eventID: eventID,
                            subject: subject, kind: kinds[index % kinds.count],
                            occurredAt: base.addingTimeInterval(offset), attributes: PostgresRawJSON(json),
                            receivedAt: base.addingTimeInterval(offset + 2.5))
        }
    }

    /// Writes the rows in COPY text format (they contain no characters that need escaping).
    static func writeCopyFile(_ events: [EventRow]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bench-copy-\(UUID().uuidString).tsv")
        var text = ""
        text.reserveCapacity(events.count * 200)
        for event in events {
            let fields = [String(event.id), event.agency, event.eventID, event.subject, event.kind,
                          timestamp(event.occurredAt), event.attributes.text, timestamp(event.receivedAt)]
            text += fields.joined(separator: "\t")
            text += "\n"
        }
        try text.write(to: url, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        return url
    }

    /// The timestamp text psql loads, encoded exactly as the wrapper encodes it.
    static func timestamp(_ date: Date) -> String {
        var bytes: [UInt8] = []
        date.encodePostgresText(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Runs `psql` with one command and fails (with its output) if it does.
    static func runPsql(url: String, command: String) async throws {
        try await CommandRunner.run("/usr/bin/env", ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", command])
    }
}
