import Foundation
import Testing
@testable import CreditModel

/// The hand-written message JSON (`MessageJSONWriter`, `MessageJSONReadable`) against Foundation's:
/// the same bytes as `JSONEncoder` with the message coding settings (fingerprints depend on it),
/// and the same values as `JSONDecoder`.
@Suite struct MessageJSONTests {
    /// Strings that exercise every escape and multi-byte UTF-8.
    static let awkward = ["", "plain", "quote \" and backslash \\", "slash / stays", "tab\there", "line\nbreak\r",
                          "\u{08}\u{0C}\u{01}\u{1F}\u{7F}", "ünïcödé 中文 🙂", "\u{2028}\u{2029}"]

    /// Attribute maps with every JSON type, awkward keys (sorting by UTF-8 bytes) and values.
    static func attributes(_ rng: inout SplitMix64) -> [String: JSONValue] {
        let keys = ["a", "B", "b", "_", "a1", "a10", "a2", "Zeta", "ä", "中", "🙂", "amount_cny", "case", ""]
        var result: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            result[keys.randomElement(using: &rng)!] = value(&rng, depth: 0)
        }
        return result
    }

    static func value(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth < 2 ? 9 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .int(Int64.random(in: -1000...1000, using: &rng))
        case 4: return .number([0.5, -2.25, 1e-7, 3.14159, 1e300, 123456.789].randomElement(using: &rng)!)
        case 5, 6: return .string(awkward.randomElement(using: &rng)!)
        case 7: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            return .object(Dictionary((0..<Int.random(in: 0...3, using: &rng)).map { index in
                ("k\(index)\(awkward.randomElement(using: &rng)!)", value(&rng, depth: depth + 1))
            }, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func events(count: Int) -> [(AgencyEvent, AcceptedEvent)] {
        var rng = SplitMix64(seed: 3)
        return (0..<count).map { index in
            let subject = index % 3 == 0 ? SubjectCode.random(.company, using: &rng) : SubjectCode.randomPerson(using: &rng)
            let event = AgencyEvent(eventID: "e-\(index)-\(awkward[index % awkward.count])", subject: subject,
                                    kind: index % 2 == 0 ? "court.order_ignored" : "traffic.violation",
                                    occurredAt: Date(timeIntervalSince1970: 1_767_225_600 + Double(index) * 3600.125),
                                    attributes: attributes(&rng), evidence: index % 4 == 0 ? nil : awkward[index % awkward.count],
                                    retracts: index % 5 == 0 ? "e-\(index - 1)" : nil)
            let source: EventSource = index % 2 == 0 ? .http : .kafka(topic: "agency.court.events", partition: Int32(index % 7),
                                                                         offset: Int64(index) * 1_000_003)
            return (event, AcceptedEvent(event: event, agency: index % 2 == 0 ? "court" : "traffic-police",
                                         receivedAt: Date(timeIntervalSince1970: 1_767_300_000 + Double(index)), source: source))
        }
    }

    static func changes(count: Int) -> [ScoreChange] {
        var rng = SplitMix64(seed: 5)
        return (0..<count).map { index in
            let subject = SubjectCode.randomPerson(using: &rng)
            let delta = Int.random(in: -100...100, using: &rng), points = Int.random(in: -5...1200, using: &rng)
            let occurredAt = Date(timeIntervalSince1970: 1_767_225_600 + Double(index) * 61.5)
            let expiresAt: Date? = index % 2 == 0 ? nil : Date(timeIntervalSince1970: 1_867_225_600)
            let grade: String? = index % 3 == 0 ? nil : "AA"
            let reverses: String? = index % 3 == 1 ? MessageID.derive("x", [String(index)]) : nil
            let cause = ScoreChange.Cause.allCases[index % 3]
            return ScoreChange(agency: "court", eventID: "e\(index)", subject: subject, kind: "court.order_ignored",
                               scheme: index % 2 == 0 ? "citizen" : "dog-owner", ruleID: "rule-\(index % 3)",
                               ruleVersion: index % 4 + 1, delta: delta, pointsAfter: points, gradeAfter: grade,
                               reason: awkward[index % awkward.count], occurredAt: occurredAt, expiresAt: expiresAt,
                               clampedAmount: index % 5 == 0 ? 7 : 0, cause: cause, reverses: reverses)
        }
    }

    /// Case messages with every optional member present and absent, and awkward text.
    static func caseMessages(count: Int) -> [(NoticeRequest, NoticeReceipt, Decision)] {
        var rng = SplitMix64(seed: 9)
        return (0..<count).map { index in
            let subject = index % 3 == 0 ? SubjectCode.random(.company, using: &rng) : SubjectCode.randomPerson(using: &rng)
            let caseID = MessageID.derive("case", [String(index)])
            let at = Date(timeIntervalSince1970: 1_767_225_600 + Double(index) * 3600.125)
            let request = NoticeRequest(caseID: caseID, subject: subject, kind: NoticeRequest.Kind.allCases[index % 3],
                                        measures: Array(["travel.flight_ban", "list.public_blacklist", "dog.confiscation"]
                                            .prefix(index % 4)).map(Measure.init(rawValue:)),
                                        title: awkward[index % awkward.count],
                                        reasons: Array(awkward.shuffled(using: &rng).prefix(index % 3)),
                                        appealDays: index % 2 == 0 ? 10 : nil, appealCode: index % 2 == 0 ? "K7Q-\(index)" : nil,
                                        requestedAt: at)
            let delivered = index % 4 != 0
            let receipt = NoticeReceipt(request: request, status: delivered ? .delivered : .failed,
                                        deliveredAt: delivered ? at.addingTimeInterval(1.5) : nil,
                                        reason: delivered ? nil : awkward[index % awkward.count],
                                        channel: NoticeReceipt.Channel.allCases[index % 2])
            let decision = Decision(caseID: caseID, subject: subject, measure: "travel.flight_ban",
                                    action: Decision.Action.allCases[index % 4], reason: awkward[(index + 1) % awkward.count],
                                    effectiveAt: at, expiresAt: index % 3 == 0 ? nil : at.addingTimeInterval(86400 * 730),
                                    policy: "dishonest-debtor.person@\(index % 3 + 1)")
            return (request, receipt, decision)
        }
    }

    func foundation(_ value: some Encodable) throws -> [UInt8] { Array(try MessageCoding.makeEncoder().encode(value)) }

    @Test func agencyEventBytesMatchFoundation() throws {
        for (event, _) in Self.events(count: 300) {
            #expect(try MessageCoding.encodeBytes(event) == foundation(event))
        }
    }

    @Test func acceptedEventBytesMatchFoundation() throws {
        for (_, accepted) in Self.events(count: 300) {
            #expect(try MessageCoding.encodeBytes(accepted) == foundation(accepted))
        }
    }

    @Test func acceptedEventSpansAreTheAttributesAndSource() throws {
        for (_, accepted) in Self.events(count: 300) {
            let encoded = try accepted.encodeWithSpans()
            #expect(encoded.json == (try MessageCoding.encodeBytes(accepted)))
            var attributes = MessageJSONWriter()
            try attributes.object(accepted.attributes)
            #expect(Array(encoded.json[encoded.attributes]) == attributes.bytes)
            var source = MessageJSONWriter()
            accepted.source.write(to: &source)
            #expect(Array(encoded.json[encoded.source]) == source.bytes)
        }
    }

    @Test func scoreChangeBytesMatchFoundation() throws {
        for change in Self.changes(count: 200) {
            #expect(try MessageCoding.encodeBytes(change) == foundation(change))
        }
    }

    @Test func caseMessageBytesMatchFoundation() throws {
        for (request, receipt, decision) in Self.caseMessages(count: 200) {
            #expect(try MessageCoding.encodeBytes(request) == foundation(request))
            #expect(try MessageCoding.encodeBytes(receipt) == foundation(receipt))
            #expect(try MessageCoding.encodeBytes(decision) == foundation(decision))
        }
    }

    @Test func caseMessagesDecodeFastAsFoundationDoes() throws {
        func check<Message: MessageSchema & MessageJSONReadable>(_ message: Message) throws {
            let data = try MessageCoding.encode(message)
            let fast = try #require(Message(json: try JSONValue.parse(data)))
            #expect(fast == message)
            #expect(fast == (try MessageCoding.makeDecoder().decode(Message.self, from: data)))
        }
        for (request, receipt, decision) in Self.caseMessages(count: 200) {
            try check(request)
            try check(receipt)
            try check(decision)
        }
        // PostgreSQL's jsonb text (spaces, its own key order) reads the same.
        let request = try #require(Self.caseMessages(count: 3).last?.0)
        func json(_ value: some Encodable) throws -> String { String(decoding: try MessageCoding.encodeBytes(value), as: UTF8.self) }
        let jsonb = """
            {"id": "\(request.id)", "kind": "\(request.kind.rawValue)", "title": \(try json(request.title)), \
            "reasons": \(try json(request.reasons)), "schema": "notice-request/1", "case_id": "\(request.caseID)", \
            "subject": "\(request.subject.rawValue)", "measures": ["travel.flight_ban", "list.public_blacklist"], \
            "appeal_code": "K7Q-2", "appeal_days": 10, "requested_at": "\(RFC3339.format(request.requestedAt))"}
            """
        #expect(NoticeRequest(json: try JSONValue.parse(Data(jsonb.utf8))) == request)
    }

    /// A case message the fast reader refuses falls back to `Decodable`, whose errors stay.
    @Test func invalidCaseMessagesStillFailAsDecodingErrors() throws {
        let (request, receipt, _) = try #require(Self.caseMessages(count: 3).last)
        var object = try #require(try JSONValue.parse(MessageCoding.encode(request)).objectValue)
        for (key, bad) in [("schema", JSONValue.string("notice-request/2")), ("measures", [1]), ("appeal_days", "ten"),
                           ("requested_at", "soon"), ("kind", "poem"), ("case_id", nil)] {
            let saved = object[key]
            object[key] = bad
            let data = try MessageCoding.encode(JSONValue.object(object))
            #expect(throws: DecodingError.self) { try MessageCoding.decode(NoticeRequest.self, from: data) }
            object[key] = saved
        }
        var receiptObject = try #require(try JSONValue.parse(MessageCoding.encode(receipt)).objectValue)
        receiptObject["status"] = "lost"
        #expect(throws: DecodingError.self) {
            try MessageCoding.decode(NoticeReceipt.self, from: MessageCoding.encode(JSONValue.object(receiptObject)))
        }
    }

    /// Anything the scan does not take falls back to `Decodable`, whose errors stay.
    @Test func invalidMessagesStillFailAsDecodingErrors() throws {
        let accepted = try #require(Self.events(count: 1).first?.1)
        var object = try #require(try JSONValue.parse(MessageCoding.encode(accepted)).objectValue)
        for (key, bad) in [("schema", JSONValue.string("accepted-event/2")), ("subject", "11010119900307451X"),
                           ("occurred_at", "yesterday"), ("attributes", [1, 2]), ("id", nil)] {
            let saved = object[key]
            object[key] = bad
            let data = try MessageCoding.encode(JSONValue.object(object))
            #expect(throws: DecodingError.self) { try MessageCoding.decode(AcceptedEvent.self, from: data) }
            object[key] = saved
        }
    }

    /// The message `Message` scans from `data` (nil when the scan refuses it).
    static func scan<Message: MessageJSONScannable>(_ type: Message.Type, _ data: Data) -> Message? {
        data.withUnsafeBytes { Message(scanning: $0.bindMemory(to: UInt8.self)) }
    }

    /// The same message laid out another way: other key order, whitespace, an unknown member.
    static func relaid(_ data: Data) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["zz_unknown"] = ["nested": [1, "two", NSNull(), ["x": true]]]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted])
    }

    @Test func scanningMatchesFoundation() throws {
        for (_, accepted) in Self.events(count: 200) {
            for data in [try MessageCoding.encode(accepted), try Self.relaid(MessageCoding.encode(accepted))] {
                let scanned = try #require(Self.scan(AcceptedEvent.self, data))
                #expect(scanned == (try MessageCoding.makeDecoder().decode(AcceptedEvent.self, from: data)))
                #expect(scanned == accepted)
            }
        }
        for change in Self.changes(count: 200) {
            for data in [try MessageCoding.encode(change), try Self.relaid(MessageCoding.encode(change))] {
                let scanned = try #require(Self.scan(ScoreChange.self, data))
                #expect(scanned == (try MessageCoding.makeDecoder().decode(ScoreChange.self, from: data)))
                #expect(scanned == change)
                #expect(try MessageCoding.decode(ScoreChange.self, from: Array(data)) == change)
            }
        }
    }

    /// Every wrong member, and text that is not one JSON object, is refused by the scan and then
    /// by `Decodable`, whose errors stay; what only the scan refuses (an escaped key) still decodes.
    @Test func scanningRefusesWhatDecodableRefuses() throws {
        let change = try #require(Self.changes(count: 7).last)
        let encoded = try MessageCoding.encode(change)
        var object = try #require(try JSONValue.parse(encoded).objectValue)
        let bad: [(String, JSONValue?)] = [
            ("schema", "score-change/2"), ("subject", "11010119900307451X"), ("delta", "5"), ("delta", 2.5),
            ("points_after", .null), ("grade_after", 5), ("expires_at", "later"), ("clamped", "yes"), ("cause", "magic"),
            ("reverses", 7), ("rule_version", .double(1e30)), ("occurred_at", .null), ("id", nil), ("agency", ["x"]),
        ]
        for (key, value) in bad {
            let saved = object[key]
            object[key] = value
            let data = try MessageCoding.encode(JSONValue.object(object))
            #expect(Self.scan(ScoreChange.self, data) == nil, "\(key): \(String(describing: value))")
            #expect(throws: DecodingError.self) { try MessageCoding.decode(ScoreChange.self, from: data) }
            #expect(throws: DecodingError.self) { try MessageCoding.decode(ScoreChange.self, from: Array(data)) }
            object[key] = saved
        }
        let text = String(decoding: encoded, as: UTF8.self)
        for broken in [text + " x", String(text.dropLast()), "[" + text + "]", text.replacingOccurrences(of: ":", with: "=")] {
            #expect(Self.scan(ScoreChange.self, Data(broken.utf8)) == nil)
            #expect(throws: (any Error).self) { try MessageCoding.decode(ScoreChange.self, from: Data(broken.utf8)) }
        }
        // Optional members may be missing or null.
        object["grade_after"] = .null
        object["expires_at"] = nil
        object["reverses"] = nil
        let sparse = try MessageCoding.encode(JSONValue.object(object))
        let scanned = try #require(Self.scan(ScoreChange.self, sparse))
        #expect(scanned == (try MessageCoding.makeDecoder().decode(ScoreChange.self, from: sparse)))
        #expect(scanned.gradeAfter == nil && scanned.expiresAt == nil && scanned.reverses == nil)
        // An escaped key is left to the slower readers, which decode it.
        let escaped = Data(text.replacingOccurrences(of: "\"scheme\"", with: "\"sch\\u0065me\"").utf8)
        #expect(Self.scan(ScoreChange.self, escaped) == nil)
        #expect(try MessageCoding.decode(ScoreChange.self, from: escaped) == change)
        // A repeated key: the last value stays (the `JSONValue` tree keeps it so too).
        let repeated = Data(text.replacingOccurrences(of: "{\"agency\"", with: "{\"delta\":123456,\"agency\"").utf8)
        #expect(Self.scan(ScoreChange.self, repeated) == change)
        // The same for an accepted event's nested members.
        let accepted = try #require(Self.events(count: 3).last?.1)
        var event = try #require(try JSONValue.parse(MessageCoding.encode(accepted)).objectValue)
        for (key, value) in [("source", JSONValue.object(["transport": "pigeon"])), ("attributes", .null),
                             ("subject_type", "robot"), ("retracts", 5), ("received_at", "now")] {
            let saved = event[key]
            event[key] = value
            let data = try MessageCoding.encode(JSONValue.object(event))
            #expect(Self.scan(AcceptedEvent.self, data) == nil, "\(key)")
            #expect(throws: DecodingError.self) { try MessageCoding.decode(AcceptedEvent.self, from: data) }
            event[key] = saved
        }
    }
}
