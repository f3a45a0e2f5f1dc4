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

    @Test func fastDecodingMatchesFoundation() throws {
        for (_, accepted) in Self.events(count: 200) {
            let data = try MessageCoding.encode(accepted)
            let fast = try #require(AcceptedEvent(json: try JSONValue.parse(data)))
            #expect(fast == (try MessageCoding.makeDecoder().decode(AcceptedEvent.self, from: data)))
        }
        for change in Self.changes(count: 200) {
            let data = try MessageCoding.encode(change)
            let fast = try #require(ScoreChange(json: try JSONValue.parse(data)))
            #expect(fast == (try MessageCoding.makeDecoder().decode(ScoreChange.self, from: data)))
        }
    }

    /// Anything the fast reader does not take falls back to `Decodable`, whose errors stay.
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
}
