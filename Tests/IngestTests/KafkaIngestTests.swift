import CreditModel
import Foundation
import Ingest
import PostgresClient
import Testing
import TestSupport

@Suite struct KafkaIngestTests {
    /// Every rejection reason, a duplicate, a conflicting duplicate and a retraction, all sent
    /// on agency topics (the duplicate and the retraction within one batch as well).
    @Test func everyReasonDuplicatesAndRetractionOverKafka() async throws {
        let fixture = try await IngestFixture.make()
        let now = Date()
        let cases = Events.rejectionCases(tag: "k", now: now)
        let first = Events.object("k-a1"), second = Events.object("k-a2")
        let conflicting = Events.object("k-a2", attributes: ["case": "B-2"])
        let target = Events.object("k-a3"), retraction = Events.object("k-a4", retracts: "k-a3")
        let valid = [first, first, second, conflicting, target, retraction].map(Events.bytes)
        for agency in ["court", "traffic-police"] {
            try await fixture.produce(agency: agency, cases.filter { $0.agency == agency }.map(\.bytes) + (agency == "court" ? valid : []))
        }
        try await fixture.produce(agency: "nobody", [Events.bytes(Events.object("k-stranger"))])
        let expectedReasons = (cases.map(\.reason) + [.conflictingDuplicate, .kindNotPermitted]).map(\.rawValue).sorted()

        try await fixture.withService { service in
            let pool = service.pool, schema = fixture.schema
            try await IngestFixture.waitUntil("all events handled") {
                let rejected = try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).rejected_events")
                let accepted = try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).events")
                let waiting = try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).outbox")
                return rejected >= expectedReasons.count && accepted >= 4 && waiting == 0
            }
            let rows = try await pool.query("SELECT reason, coalesce(event_id, ''), agency FROM \(identifier: schema).rejected_events")
            let reasons = try rows.map { try $0.decode(String.self, at: 0) }.sorted()
            #expect(reasons == expectedReasons)
            let byID = Dictionary(try rows.map { (try $0.decode(String.self, at: 1), try $0.decode(String.self, at: 0)) }) { a, _ in a }
            for expected in cases where expected.reason != .tooLarge { if let id = expected.eventID, !id.isEmpty { #expect(byID[id] == expected.reason.rawValue, "\(id)") } }
            #expect(byID["k-a2"] == RejectionReason.conflictingDuplicate.rawValue)
            #expect(byID["k-stranger"] == RejectionReason.kindNotPermitted.rawValue)

            let events = try await pool.query("""
                SELECT event_id, coalesce(retracted_by, ''), attributes->>'case' FROM \(identifier: schema).events ORDER BY event_id
                """)
            #expect(try events.map { try $0.decode(String.self, at: 0) } == ["k-a1", "k-a2", "k-a3", "k-a4"])
            #expect(try events.map { try $0.decode(String.self, at: 1) } == ["", "", "k-a4", ""])
            #expect(try events[1].decode(String.self, at: 2) == "A-1", "the first k-a2 is kept, the conflicting one refused")
        }

        let accepted = try await fixture.readOutput(fixture.configuration.acceptedTopic, expected: 4)
        let expectedIDs = Set(["k-a1", "k-a2", "k-a3", "k-a4"].map { MessageID.accepted(agency: "court", eventID: $0) })
        #expect(Set(accepted.counts.keys) == expectedIDs)
        #expect(accepted.counts.values.allSatisfy { $0 == 1 }, "\(accepted.counts)")
        let retractionID = MessageID.accepted(agency: "court", eventID: "k-a4")
        let forwarded = try MessageCoding.decode(AcceptedEvent.self, from: Data(accepted.payloads[retractionID] ?? []))
        #expect(forwarded.retracts == "k-a3")
        #expect(forwarded.source.transport == .kafka)
        let rejected = try await fixture.readOutput(fixture.configuration.rejectedTopic, expected: expectedReasons.count)
        #expect(rejected.counts.count == expectedReasons.count)
        let reasonsOut = try rejected.payloads.values.map { try MessageCoding.decode(RejectedEvent.self, from: Data($0)).reason.rawValue }
        #expect(reasonsOut.sorted() == expectedReasons)
    }

    /// A topic created while the service runs is consumed without a restart (pattern
    /// subscription), and content PostgreSQL cannot hold (NUL) is a rejection, not a stall.
    @Test func newAgencyTopicIsPickedUpAndNULIsRejected() async throws {
        let fixture = try await IngestFixture.make()
        try await fixture.withService { service in
            let pool = service.pool, schema = fixture.schema
            try await fixture.produce(agency: "court", [Events.bytes(Events.object("n-1", attributes: ["note": "a\u{0}b"]))])
            try await IngestFixture.waitUntil("the NUL event rejected") {
                try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).rejected_events") == 1
            }
            let reason = try await pool.query("SELECT reason FROM \(identifier: schema).rejected_events").first?.decode(String.self, at: 0)
            #expect(reason == RejectionReason.invalidAttributes.rawValue)

            let topic = fixture.configuration.topics.topic(for: "railway")
            try await BrokerControl.fromEnvironment().createTopic(topic, partitions: 1)
            try await fixture.produce(agency: "railway", [Events.bytes(Events.object("n-2", kind: "transit.fare_evasion", attributes: [:]))])
            try await IngestFixture.waitUntil("the new topic's event stored") {
                try await fixture.count(pool, "SELECT count(*)::int FROM \(identifier: schema).events WHERE agency = 'railway'") == 1
            }
        }
    }
}
