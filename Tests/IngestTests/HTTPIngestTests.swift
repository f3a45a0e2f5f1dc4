import CreditModel
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Ingest
import PostgresClient
import Prometheus
import Testing
import TestSupport

@Suite struct HTTPIngestTests {
    struct Answer: Decodable {
        struct Result: Decodable {
            var event_id: String?
            var status: String
            var reason: String?
            var message: String?
        }
        var results: [Result]
    }

    static func post(_ client: some TestClientProtocol, token: String?, body: [UInt8]) async throws -> (HTTPResponse.Status, [UInt8]) {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers[.contentType] = "application/json"
        return try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            (response.status, Array(response.body.readableBytesView))
        }
    }

    static func answer(_ bytes: [UInt8]) throws -> Answer { try JSONDecoder().decode(Answer.self, from: Data(bytes)) }

    /// Every rejection reason in one array, then duplicates, a conflicting duplicate and a
    /// retraction across requests; the outputs reach the output topics.
    @Test func everyReasonDuplicatesAndRetractionOverHTTP() async throws {
        let fixture = try await IngestFixture.make()
        let court = fixture.configuration.tokens["court"]!, traffic = fixture.configuration.tokens["traffic-police"]!
        let cases = Events.rejectionCases(tag: "h", now: Date())
        try await fixture.withService { service in
            let app = Application(router: service.router(metrics: PrometheusCollectorRegistry()))
            try await app.test(.router) { client in
                for agency in ["court", "traffic-police"] {
                    let selected = cases.filter { $0.agency == agency && $0.reason != .invalidJSON }
                    let body = Array("[".utf8) + Array(selected.map(\.bytes).joined(separator: Array(",".utf8))) + Array("]".utf8)
                    let (status, bytes) = try await Self.post(client, token: agency == "court" ? court : traffic, body: body)
                    #expect(status == .ok)
                    let results = try Self.answer(bytes).results
                    #expect(results.map(\.reason) == selected.map(\.reason.rawValue))
                    #expect(results.allSatisfy { $0.status == "rejected" && $0.message != nil })
                    for (result, expected) in zip(results, selected) where expected.eventID != nil && expected.reason != .missingField {
                        #expect(result.event_id == expected.eventID)
                    }
                }
                // A body that is not JSON: one rejected result.
                let (status, bytes) = try await Self.post(client, token: court, body: Array("{not json".utf8))
                #expect(status == .ok)
                #expect(try Self.answer(bytes).results.map(\.reason) == ["invalid_json"])
                #expect(String(decoding: bytes, as: UTF8.self).contains("\"event_id\":null"), "event_id is always present")

                // One object, then the same again (duplicate), then a different one with the same id.
                let first = Events.bytes(Events.object("h-a1"))
                #expect(try Self.answer(try await Self.post(client, token: court, body: first).1).results.map(\.status) == ["accepted"])
                #expect(try Self.answer(try await Self.post(client, token: court, body: first).1).results.map(\.status) == ["duplicate"])
                let conflicting = Events.bytes(Events.object("h-a1", attributes: ["case": "other"]))
                #expect(try Self.answer(try await Self.post(client, token: court, body: conflicting).1).results.map(\.reason)
                        == ["conflicting_duplicate"])
                // In one array: a new event, its retraction, a duplicate of the new event, a retraction of h-a1.
                let batch = Events.bytes([Events.object("h-a2"), Events.object("h-a3", retracts: "h-a2"), Events.object("h-a2"),
                                          Events.object("h-a4", retracts: "h-a1")])
                let results = try Self.answer(try await Self.post(client, token: court, body: batch).1).results
                #expect(results.map(\.status) == ["accepted", "accepted", "duplicate", "accepted"])
                // A retraction of an event about another subject is refused: it would undo nothing.
                let foreign = Events.bytes(Events.object("h-a5", subject: Events.otherPerson, retracts: "h-a2"))
                #expect(try Self.answer(try await Self.post(client, token: court, body: foreign).1).results.map(\.reason)
                        == ["unknown_retraction_target"])
            }
            let pool = service.pool, schema = fixture.schema
            let retracted = try await pool.query("""
                SELECT event_id, retracted_by FROM \(identifier: schema).events WHERE retracted_by IS NOT NULL ORDER BY event_id
                """)
            #expect(try retracted.map { try $0.decode(String.self, at: 0) + ">" + $0.decode(String.self, at: 1) } == ["h-a1>h-a4", "h-a2>h-a3"])
            let stored = try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).rejected_events WHERE transport = 'http'")
            #expect(stored == cases.count + 2)
            try await IngestFixture.waitUntil("outbox drained") {
                try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).outbox") == 0
            }
        }
        let accepted = try await fixture.readOutput(fixture.configuration.acceptedTopic, expected: 4)
        #expect(Set(accepted.counts.keys) == Set(["h-a1", "h-a2", "h-a3", "h-a4"].map { MessageID.accepted(agency: "court", eventID: $0) }))
        #expect(accepted.counts.values.allSatisfy { $0 == 1 })
    }

    /// `object` as an HTTP submission of the court.
    static func submission(_ object: JSONValue) -> Submission {
        Submission(agency: "court", source: EventSource(transport: .http, topic: nil, partition: nil, offset: nil),
                   body: .bytes(Events.bytes(object)))
    }

    /// Two transactions insert the same event id at once with different content: the one that
    /// waited for the other is told `conflicting_duplicate`, not `duplicate`, and nothing of it is
    /// published.
    @Test func concurrentConflictingDuplicateIsRejected() async throws {
        let fixture = try await IngestFixture.make()
        try await fixture.withService { service in
            let intake = fixture.intake()
            let original = Self.submission(Events.object("race-1")), same = Self.submission(Events.object("race-1"))
            let other = Self.submission(Events.object("race-1", attributes: ["case": "B-2"]))
            let now = Date()
            let pool = service.pool
            // The first transaction holds its new row (uncommitted) while two others insert the same id.
            async let first = pool.withTransaction { connection in
                let results = try intake.process([original], now: now, on: connection).results
                _ = try connection.query("SELECT pg_sleep(1.5)")
                return results
            }
            try await Task.sleep(for: .milliseconds(300))
            async let conflicting = pool.withTransaction { connection in try intake.process([other], now: now, on: connection) }
            async let duplicate = pool.withTransaction { connection in try intake.process([same], now: now, on: connection) }
            let (a, b, c) = try await (first, conflicting, duplicate)
            #expect(a.map(\.status) == [.accepted])
            #expect(b.results.map(\.reason) == [.conflictingDuplicate])
            #expect(b.outbox.map(\.topic) == [fixture.configuration.rejectedTopic])
            #expect(c.results.map(\.status) == [.duplicate])
            #expect(c.outbox.isEmpty)
        }
    }

    /// A batch of distinct keys without retractions inserts without looking up first; the
    /// insert finds the stored ones, and they are told apart as before: a resent batch is all
    /// duplicates and publishes nothing, changed content is a conflict, new ids are accepted.
    /// A retraction or a repeated key still looks every key up first.
    @Test func batchesWithoutRetractionsFindDuplicatesByInserting() async throws {
        let fixture = try await IngestFixture.make()
        try await fixture.withService { service in
            let intake = fixture.intake()
            func submissions(_ objects: [JSONValue]) -> [Submission] { objects.map(Self.submission) }
            let now = Date()
            let first = submissions((1...3).map { Events.object("ins-\($0)") })
            #expect(EventIntake.lookupBeforeInsert(first, first.map { $0.validate(now: now, registry: fixture.configuration.registry) }).isEmpty)
            let accepted = try await service.pool.withTransaction { try intake.process(first, now: now, on: $0) }
            #expect(accepted.results.map(\.status) == [.accepted, .accepted, .accepted])
            #expect(accepted.outbox.count == 3)

            let again = try await service.pool.withTransaction { try intake.process(first, now: now, on: $0) }
            #expect(again.results.map(\.status) == [.duplicate, .duplicate, .duplicate])
            #expect(again.outbox.isEmpty)

            let mixed = submissions([Events.object("ins-4"), Events.object("ins-2", attributes: ["case": "other"]),
                                     Events.object("ins-3")])
            let outcome = try await service.pool.withTransaction { try intake.process(mixed, now: now, on: $0) }
            #expect(outcome.results.map(\.status) == [.accepted, .rejected, .duplicate])
            #expect(outcome.results[1].reason == .conflictingDuplicate)
            #expect(outcome.outbox.map(\.topic) == [fixture.configuration.acceptedTopic, fixture.configuration.rejectedTopic])

            let retracting = submissions([Events.object("ins-5"), Events.object("ins-6", retracts: "ins-1")])
            let repeated = submissions([Events.object("ins-7"), Events.object("ins-7")])
            for batch in [retracting, repeated] {
                let keys = EventIntake.lookupBeforeInsert(batch, batch.map { $0.validate(now: now, registry: fixture.configuration.registry) })
                #expect(!keys.isEmpty)
            }
            let stored = try await fixture.count(service.pool, "SELECT count(*)::int FROM \(identifier: fixture.schema).events")
            #expect(stored == 4)
        }
    }

    /// A missing or wrong token is a 401 for the whole request; over the limits is a 413.
    @Test func tokensAndLimits() async throws {
        var limited = try await IngestFixture.make()
        limited.configuration.httpLimits.maxEvents = 3
        limited.configuration.httpLimits.maxBodyBytes = 100_000
        let fixture = limited
        let court = fixture.configuration.tokens["court"]!
        try await fixture.withService { service in
            let app = Application(router: service.router(metrics: PrometheusCollectorRegistry()))
            try await app.test(.router) { client in
                let event = Events.bytes(Events.object("t-1"))
                for token in [nil, "wrong", court + "x"] {
                    let (status, bytes) = try await Self.post(client, token: token, body: event)
                    #expect(status == .unauthorized)
                    let error = try JSONDecoder().decode([String: String].self, from: Data(bytes))
                    #expect(error["error"] == "unauthorized")
                }
                let tooMany = Events.bytes(.array((0..<4).map { Events.object("t-many-\($0)") }))
                let (status, bytes) = try await Self.post(client, token: court, body: tooMany)
                #expect(status == .contentTooLarge)
                #expect(try JSONDecoder().decode([String: String].self, from: Data(bytes))["error"] == "too_large")
                let huge = Array(repeating: UInt8(ascii: " "), count: 100_001)
                #expect(try await Self.post(client, token: court, body: huge).0 == .contentTooLarge)
                // The traffic police's token names the traffic police: a court kind is outside its mandate.
                let traffic = fixture.configuration.tokens["traffic-police"]!
                let (okStatus, answer) = try await Self.post(client, token: traffic, body: event)
                #expect(okStatus == .ok)
                #expect(try Self.answer(answer).results.map(\.reason) == ["kind_not_permitted"])
            }
            let stored = try await fixture.count(service.pool, "SELECT count(*)::int FROM \(identifier: fixture.schema).events")
            #expect(stored == 0)
            let hashes = try await service.pool.query("SELECT token_sha256 FROM \(identifier: fixture.schema).agency_tokens")
            #expect(hashes.count == 2)
            #expect(try hashes.allSatisfy { try $0.decode(String.self, at: 0) != court && $0.decode(String.self, at: 0).count == 64 })
        }
        // Restarted with the court's token rotated: the old token is revoked, the new one works.
        var rotated = fixture
        rotated.configuration.tokens["court"] = court + "-rotated"
        try await rotated.withService { service in
            let app = Application(router: service.router(metrics: PrometheusCollectorRegistry()))
            try await app.test(.router) { client in
                let event = Events.bytes(Events.object("t-rotated"))
                let (old, _) = try await Self.post(client, token: court, body: event)
                #expect(old == .unauthorized)
                let (new, _) = try await Self.post(client, token: court + "-rotated", body: event)
                #expect(new == .ok)
            }
        }
    }
}
