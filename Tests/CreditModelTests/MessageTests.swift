import Foundation
import Testing
@testable import CreditModel

@Suite struct MessageRoundTripTests {
    static let event = AgencyEvent(
        eventID: "court-2026-000123", subject: Fixtures.person, kind: "court.order_ignored",
        occurredAt: Fixtures.date("2026-11-20T09:30:00Z"),
        attributes: ["case": "(2026) Jing 0105 Zhi 1234", "amount_cny": 52000, "nested": ["a": [1, 2.5, nil, true]]],
        evidence: "optional reference")
    static let accepted = AcceptedEvent(event: event, agency: "court", receivedAt: Fixtures.date("2026-11-20T09:31:00.125Z"),
                                        source: .kafka(topic: "agency.court.events", partition: 3, offset: 42))
    static let change = ScoreChange(
        agency: "court", eventID: "court-2026-000123", subject: Fixtures.person, kind: "court.order_ignored",
        scheme: "citizen", ruleID: "court-breach", ruleVersion: 2, delta: -50, pointsAfter: 950, gradeAfter: "B",
        reason: "did not comply with a court order", occurredAt: Fixtures.date("2026-11-20T09:30:00Z"),
        expiresAt: Fixtures.date("2031-11-20T09:30:00Z"), clampedAmount: 0)
    static let notice = NoticeRequest(
        caseID: "case-1", subject: Fixtures.person, kind: .sanctionNotice, measures: ["travel.flight_ban"],
        title: "Proposed flight ban", reasons: ["court.order_ignored (court-breach@2)"], appealDays: 10,
        appealCode: "AP-123", requestedAt: Fixtures.date("2026-11-20T10:00:00Z"))

    /// Encodes, checks the schema field, decodes, and compares.
    func roundTrip<M: MessageSchema>(_ message: M) throws {
        let data = try MessageCoding.encode(message)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["schema"] as? String == M.schemaName)
        let decoded = try MessageCoding.decode(M.self, from: data)
        #expect(decoded == message)
        #expect(try MessageCoding.encode(decoded) == data)
    }

    @Test func agencyEvent() throws { try roundTrip(Self.event) }
    @Test func acceptedEvent() throws { try roundTrip(Self.accepted) }
    @Test func scoreChange() throws {
        try roundTrip(Self.change)
        var reversal = ScoreChange(
            agency: "court", eventID: "court-2026-000123", subject: Fixtures.person, kind: "court.order_ignored",
            scheme: "citizen", ruleID: "court-breach", ruleVersion: 2, delta: 50, pointsAfter: 1000,
            gradeAfter: "A", reason: "retracted", occurredAt: Fixtures.date("2026-11-21T00:00:00Z"),
            clampedAmount: -10, cause: .retraction, reverses: Self.change.id)
        try roundTrip(reversal)
        #expect(reversal.rule == "court-breach@2" && reversal.clamped && reversal.compensating)
        reversal.gradeAfter = nil
        try roundTrip(reversal)
    }
    @Test func rejectedEvent() throws {
        let raw = Array(#"{"schema":"nope"}"#.utf8)
        let rejected = RejectedEvent(raw: raw, source: .http, agency: "court", eventID: nil,
                                     error: MessageError(.invalidSchema, "schema must be 'agency-event/1'"),
                                     rejectedAt: Fixtures.date("2026-11-20T09:30:00Z"))
        try roundTrip(rejected)
        #expect(rejected.rawBytes.map(Array.init) == raw)
    }
    @Test(arguments: Decision.Action.allCases)
    func decision(action: Decision.Action) throws {
        try roundTrip(Decision(caseID: "case-1", subject: Fixtures.person, measure: "travel.flight_ban", action: action,
                               reason: "court order ignored", effectiveAt: Fixtures.date("2026-12-01T00:00:00Z"),
                               expiresAt: action == .imposed ? Fixtures.date("2031-12-01T00:00:00Z") : nil,
                               policy: "dishonest-debtor@1"))
    }
    @Test func decisionPolicyIDDropsTheVersion() {
        let decision = Decision(caseID: "c", subject: Fixtures.person, measure: "travel.flight_ban", action: .imposed,
                                reason: "r", effectiveAt: Fixtures.date("2026-12-01T00:00:00Z"), policy: "dishonest-debtor@12")
        #expect(decision.policyID == "dishonest-debtor")
    }
    @Test func agencyTopicNamesItsAgency() {
        #expect(Topics.agencyID(ofEventsTopic: Topics.agencyEvents("jinan-dogs")) == "jinan-dogs")
        #expect(Topics.agencyID(ofEventsTopic: "agency.x.events") == "x")
        for other in [Topics.eventsAccepted, Topics.scoresChanged, "agency..events", "agency.events", "t1.agency.court.events"] {
            #expect(Topics.agencyID(ofEventsTopic: other) == nil, "\(other)")
        }
    }
    @Test func noticeRequest() throws { try roundTrip(Self.notice) }
    @Test(arguments: NoticeReceipt.Status.allCases)
    func noticeReceipt(status: NoticeReceipt.Status) throws {
        try roundTrip(NoticeReceipt(request: Self.notice, status: status,
                                    deliveredAt: status == .delivered ? Fixtures.date("2026-11-20T10:00:01Z") : nil,
                                    reason: status == .failed ? "webhook returned 410" : nil, channel: .webhook))
    }

    @Test func wrongSchemaIsRefused() throws {
        var object = try JSONSerialization.jsonObject(with: MessageCoding.encode(Self.notice)) as! [String: Any]
        object["schema"] = "notice-request/2"
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try MessageCoding.decode(NoticeRequest.self, from: data) }
        object["schema"] = nil
        let missing = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try MessageCoding.decode(NoticeRequest.self, from: missing) }
    }

    @Test func unknownFieldsAreIgnored() throws {
        var object = try JSONSerialization.jsonObject(with: MessageCoding.encode(Self.change)) as! [String: Any]
        object["added_in_a_later_minor"] = ["x": 1]
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(try MessageCoding.decode(ScoreChange.self, from: data) == Self.change)
    }

    @Test func snakeCaseKeys() throws {
        let json = try MessageCoding.encodeString(Self.accepted)
        for key in ["\"event_id\"", "\"subject_type\":\"person\"", "\"occurred_at\":\"2026-11-20T09:30:00.000Z\"",
                    "\"received_at\":\"2026-11-20T09:31:00.125Z\"", "\"amount_cny\":52000"] {
            #expect(json.contains(key))
        }
    }
}

@Suite struct MessageIDTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// Lengths around the padding boundaries (one or two final blocks).
    @Test func sha256PaddingBoundaries() {
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
            120: "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c",
        ]
        for (length, digest) in expected {
            #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: length)) == digest)
        }
    }

    /// Ids already stored and published must never change: known answers.
    @Test func idsKeepTheirKnownValues() {
        #expect(MessageID.accepted(agency: "court", eventID: "court-2026-000123") == "e6915952-2e9e-8291-80c8-969e053303d3")
        #expect(MessageID.scoreChange(agency: "court", eventID: "e1", scheme: "citizen", rule: "court-breach@2", cause: .event)
            == "f5225e58-217f-8529-b200-74772bbe78e6")
    }

    @Test func idsAreDeterministicAndDistinct() {
        let id = MessageID.accepted(agency: "court", eventID: "e-1")
        #expect(id == MessageID.accepted(agency: "court", eventID: "e-1"))
        #expect(id != MessageID.accepted(agency: "pboc", eventID: "e-1"))
        #expect(MessageID.derive("x", ["a:b", "c"]) != MessageID.derive("x", ["a", "b:c"]))
        #expect(id.count == 36 && Array(id)[14] == "8")
        #expect(UUID(uuidString: id) != nil)
    }

    @Test func redeliveredInputYieldsSameMessage() throws {
        let source = EventSource.kafka(topic: "agency.court.events", partition: 1, offset: 7)
        let first = AcceptedEvent(event: MessageRoundTripTests.event, agency: "court", receivedAt: Fixtures.now, source: source)
        let again = AcceptedEvent(event: MessageRoundTripTests.event, agency: "court", receivedAt: Fixtures.now, source: source)
        #expect(first.id == again.id)
        let error = MessageError(.invalidJSON, "x")
        #expect(RejectedEvent(raw: [1, 2], source: source, agency: nil, eventID: nil, error: error, rejectedAt: .now).id
            == RejectedEvent(raw: [1, 2], source: source, agency: nil, eventID: nil, error: error, rejectedAt: .now).id)
        #expect(RejectedEvent(raw: [1, 2], source: .http, agency: "a", eventID: nil, error: error, rejectedAt: .now).id
            != RejectedEvent(raw: [1, 3], source: .http, agency: "a", eventID: nil, error: error, rejectedAt: .now).id)
        #expect(MessageRoundTripTests.event.fingerprint == MessageRoundTripTests.event.fingerprint)
    }
}

@Suite struct TimeTests {
    @Test(arguments: [
        ("2026-11-20T09:30:00Z", 1_795_167_000.0),
        ("2026-11-20T17:30:00+08:00", 1_795_167_000.0),
        ("2026-11-20t09:30:00.5z", 1_795_167_000.5),
        ("1949-01-01T00:00:00Z", -662_688_000.0),
    ])
    func parses(text: String, seconds: Double) {
        #expect(RFC3339.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2026-11-20", "2026-11-20T09:30:00", "2026-02-30T00:00:00Z", "2026-11-20T24:00:00Z",
                      "2026-11-20T09:30:00.Z", "2026-11-20T09:30:00+0800", "yesterday", "2026-11-20T09:30:00Zjunk"])
    func refuses(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_167_000.25)) == "2026-11-20T09:30:00.250Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }

    /// The digits written in place match Foundation's ISO 8601 formatter from 1583 (before it,
    /// Foundation counts Julian days; RFC 3339 is proleptic Gregorian) to 9999, and every
    /// formatted time parses back to itself.
    @Test func formatsAsFoundationDoes() {
        let foundation = ISO8601DateFormatter()
        foundation.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        foundation.timeZone = TimeZone(identifier: "UTC")
        var rng = SystemRandomNumberGenerator()
        let first = -12_212_553_600.0, last = 253_402_300_799.0  // 1583-01-01 and 9999-12-31T23:59:59
        let samples = [first, last, 0, -0.001, 951_782_400, 4_107_542_400] + (0..<500).map { _ in
            (Double(Int64.random(in: Int64(first)...Int64(last), using: &rng)) + Double(Int.random(in: 0..<1000, using: &rng)) / 1000)
        }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let text = RFC3339.format(date)
            #expect(text == foundation.string(from: date), "\(seconds)")
            #expect(RFC3339.parse(text).map { abs($0.timeIntervalSince(date)) < 0.0005 } == true, "\(text)")
        }
    }
}
