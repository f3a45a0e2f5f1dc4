import Foundation
import Testing
@testable import CreditModel

@Suite struct AgencyEventValidationTests {
    /// A valid event as a JSON object, to be spoiled one field at a time.
    static let valid: [String: JSONValue] = [
        "schema": "agency-event/1", "event_id": "court-2026-000123", "subject": "11010519491231002X",
        "kind": "court.order_ignored", "occurred_at": "2026-11-20T09:30:00Z",
        "attributes": ["case": "(2026) Jing 0105 Zhi 1234", "amount_cny": 52000],
        "evidence": "optional reference", "retracts": nil,
    ]

    static func bytes(_ object: [String: JSONValue]) -> Data { try! MessageCoding.encode(JSONValue.object(object)) }

    static func with(_ changes: [String: JSONValue?]) -> Data {
        var object = valid
        for (key, value) in changes { object[key] = value }
        return bytes(object)
    }

    func reason(_ data: Data, agency: String? = nil, registry: AgencyRegistry? = nil) -> RejectionReason? {
        do {
            _ = try AgencyEvent.parse(data, now: Fixtures.now, agency: agency, registry: registry)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func validEventParses() throws {
        let event = try AgencyEvent.parse(Self.bytes(Self.valid), now: Fixtures.now, agency: "court",
                                          registry: Fixtures.loadRegistry())
        #expect(event.eventID == "court-2026-000123")
        #expect(event.subject.type == .person)
        #expect(event.kind == "court.order_ignored")
        #expect(event.occurredAt == Fixtures.date("2026-11-20T09:30:00Z"))
        #expect(event.attributes["amount_cny"] == .int(52000))
        #expect(event.evidence == "optional reference" && event.retracts == nil)
    }

    @Test func designExampleParsesAsBytes() throws {
        let text = #"""
        {"schema":"agency-event/1","event_id":"court-2026-000123","subject":"11010519491231002X",
         "kind":"court.order_ignored","occurred_at":"2026-11-20T09:30:00Z",
         "attributes":{"case":"(2026) Jing 0105 Zhi 1234","amount_cny":52000},
         "evidence":"optional reference","retracts":null,"unknown_extra":{"ignored":true}}
        """#
        let event = try AgencyEvent.parse(Array(text.utf8), now: Fixtures.now)
        #expect(event.occurredAtText == "2026-11-20T09:30:00Z")
    }

    @Test(arguments: [
        ("not json", RejectionReason.invalidJSON),
        ("{\"schema\":", .invalidJSON),
        ("[1,2]", .invalidJSON),
        ("\"agency-event/1\"", .invalidJSON),
        ("{}", .invalidSchema),
    ])
    func malformedBytes(text: String, reason expected: RejectionReason) {
        #expect(reason(Data(text.utf8)) == expected)
    }

    @Test(arguments: [
        (["schema": nil], RejectionReason.invalidSchema),
        (["schema": "agency-event/2"], .invalidSchema),
        (["schema": 1], .invalidSchema),
        (["event_id": nil], .missingField),
        (["subject": nil], .missingField),
        (["kind": nil], .missingField),
        (["occurred_at": nil], .missingField),
        (["event_id": 123], .invalidField),
        (["subject": ["x": 1]], .invalidField),
        (["evidence": 5], .invalidField),
        (["retracts": false], .invalidField),
        (["event_id": ""], .invalidEventID),
        (["event_id": .string(String(repeating: "e", count: 129))], .invalidEventID),
        (["event_id": "bad\nid"], .invalidEventID),
        (["event_id": "bad\u{7F}id"], .invalidEventID),
        (["event_id": "café\u{85}"], .invalidEventID),  // a C1 control after non-ASCII text
        (["retracts": ""], .invalidEventID),
        (["subject": "11010119900307451X"], .invalidSubject),
        (["subject": "91110000600007336B"], .invalidSubject),
        (["kind": "court.order_forgotten"], .unknownKind),
        (["kind": "dog.unleashed", "subject": "91350100M000100Y43"], .subjectTypeMismatch),
        (["kind": "company.fraud"], .subjectTypeMismatch),
        (["occurred_at": "20 November 2026"], .invalidTime),
        (["occurred_at": "1948-12-31T23:59:59Z"], .invalidTime),
        (["occurred_at": "2026-11-20T12:05:01Z"], .futureTime),
        (["attributes": [1, 2]], .invalidAttributes),
        (["attributes": "x"], .invalidAttributes),
        (["attributes": ["a": [[[[[[[["too deep"]]]]]]]]]], .invalidAttributes),
        (["kind": "traffic.violation", "attributes": [:]], .invalidAttributes),
        (["kind": "traffic.violation", "attributes": ["severity": 4]], .invalidAttributes),
        (["kind": "traffic.violation", "attributes": ["severity": 1.5]], .invalidAttributes),
        (["kind": "gaming.excessive_hours", "attributes": ["hours": 0]], .invalidAttributes),
        (["kind": "gaming.excessive_hours", "attributes": ["hours": "6"]], .invalidAttributes),
    ] as [([String: JSONValue?], RejectionReason)])
    func spoiledFields(changes: [String: JSONValue?], reason expected: RejectionReason) {
        #expect(reason(Self.with(changes)) == expected)
    }

    @Test(arguments: [
        ["occurred_at": "2026-11-20T12:05:00Z"],
        ["occurred_at": "1949-01-01T00:00:00Z"],
        ["attributes": nil],
        ["evidence": nil],
        ["retracts": "court-2026-000100"],
        ["attributes": ["a": [[[[[[["deep enough"]]]]]]]]],
        ["kind": "traffic.violation", "attributes": ["severity": 3]],
        ["kind": "gaming.excessive_hours", "attributes": ["hours": 0.5]],
        ["kind": "company.fraud", "subject": "12100000400000624D"],
        ["subject": "11010519491231002x"],
    ] as [[String: JSONValue?]])
    func acceptableVariants(changes: [String: JSONValue?]) {
        #expect(reason(Self.with(changes)) == nil)
    }

    @Test func tooLarge() {
        let padding = JSONValue.string(String(repeating: "x", count: AgencyEvent.maxMessageBytes))
        #expect(reason(Self.with(["attributes": ["padding": padding]])) == .tooLarge)
    }

    @Test func mandates() throws {
        let registry = try Fixtures.loadRegistry()
        let data = Self.bytes(Self.valid)
        #expect(reason(data, agency: "court", registry: registry) == nil)
        #expect(reason(data, agency: "jinan-dogs", registry: registry) == .kindNotPermitted)
        #expect(reason(data, agency: "unregistered", registry: registry) == .kindNotPermitted)
    }

    @Test func errorsNameTheField() {
        do {
            _ = try AgencyEvent.parse(Self.with(["kind": nil]), now: Fixtures.now)
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "kind")
            #expect(error.message.contains("kind"))
        }
        do {
            _ = try AgencyEvent.parse(Self.with(["subject": "11010119900307451X"]), now: Fixtures.now)
        } catch {
            #expect(error.message == "subject code check character is 'X', expected '4' (GB 11643)")
        }
    }

    @Test func everyModelDecidableReasonIsCovered() {
        let decidedByDatabase: Set<RejectionReason> = [.unknownRetractionTarget, .conflictingDuplicate]
        #expect(RejectionReason.allCases.count == 15)
        #expect(Set(RejectionReason.allCases).subtracting(decidedByDatabase).count == 13)
    }

    /// Not a benchmark, a guard: the validator must keep up with ingest (see the report for numbers).
    @Test func validatorIsFast() throws {
        let data = Self.bytes(Self.valid)
        let count = 20_000
        let start = Date()
        for _ in 0..<count { _ = try AgencyEvent.parse(data, now: Fixtures.now) }
        let perSecond = Double(count) / Date().timeIntervalSince(start)
        print("AgencyEvent.parse: \(Int(perSecond)) events/s")
        #expect(perSecond > 2_000)
    }
}
