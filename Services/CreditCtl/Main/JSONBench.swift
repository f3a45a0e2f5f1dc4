import ArgumentParser
import CreditModel
import Foundation

/// `creditctl bench json`: what reading and writing one hot message costs, on the same messages
/// in the same run: `JSONDecoder` (the baseline) against the member scan
/// (`MessageCoding.decode`), and `JSONEncoder` (the baseline) against `MessageJSONWriter`
/// (`MessageCoding.encodeBytes`); and message ids between text and `UUID`: Foundation's
/// `UUID(uuidString:)` and `uuidString` (the baselines) against `UUID(canonicalText:)` and
/// `lowercasedText`, which the services use to bind ids as `uuid` and read them back; and a
/// case's reasons as jsonb text: a fresh `JSONEncoder`/`JSONDecoder` per value (the baseline)
/// against `JSONStringList`.
struct JSONBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Message JSON per message: JSONDecoder and JSONEncoder (baselines) against our reader and writer; "
            + "message ids between text and UUID, and case reasons as JSON: Foundation (baseline) against ours.")

    @Option(help: "Distinct messages per type.")
    var messages = 2_000

    @Option(help: "Passes over them per way.")
    var rounds = 20

    func run() throws {
        guard messages > 0, rounds > 0 else { throw ValidationError("--messages and --rounds must be positive") }
        var rng = SplitMix64(seed: 11)
        let time = Date(timeIntervalSince1970: 1_767_225_600)
        let changes = try (0..<messages).map { index in
            try MessageCoding.encodeBytes(ScoreChange(
                agency: "traffic-police", eventID: "tp-\(index * 7_919)", subject: .randomPerson(using: &rng),
                kind: "traffic.red_light", scheme: "citizen", ruleID: "traffic-red-light", ruleVersion: 1,
                delta: -5, pointsAfter: 995 - index % 40, gradeAfter: "A", reason: "Ran a red light",
                occurredAt: time + Double(index), expiresAt: time + 86_400 * 365 + Double(index)))
        }
        let events = try (0..<messages).map { index in
            let event = AgencyEvent(eventID: "tp-\(index * 7_919)", subject: .randomPerson(using: &rng), kind: "traffic.red_light",
                                    occurredAt: time + Double(index),
                                    attributes: ["location": .string("Ring Road 3, km \(index % 90)"), "speed_kmh": .int(Int64(40 + index % 60))],
                                    evidence: "camera-\(index % 500)", retracts: nil)
            return try MessageCoding.encodeBytes(AcceptedEvent(
                event: event, agency: "traffic-police", receivedAt: time + Double(index) + 0.25,
                source: .kafka(topic: "agency.traffic-police.events", partition: 0, offset: Int64(index))))
        }
        print("read             JSONDecoder ns  scan ns  decoder/scan")
        try compare("score-change/1", ScoreChange.self, changes)
        try compare("accepted-event/1", AcceptedEvent.self, events)
        print("write            JSONEncoder ns  writer ns  encoder/writer")
        try compareWriting("score-change/1", changes.map { try MessageCoding.decode(ScoreChange.self, from: $0) })
        try compareWriting("accepted-event/1", events.map { try MessageCoding.decode(AcceptedEvent.self, from: $0) })
        try compareIDs(try changes.map { try MessageCoding.decode(ScoreChange.self, from: $0).id })
        try compareLists((0..<messages).map { index in
            ["Score below 600 on citizen (\(600 - index % 90))", "Event traffic.red_light of traffic-police tp-\(index * 7_919)"]
        })
    }

    /// A case's reasons (jsonb) written and read per value: a fresh `JSONEncoder`/`JSONDecoder`
    /// as sanctions used them (the baseline), against `JSONStringList`.
    private func compareLists(_ lists: [[String]]) throws {
        let texts = lists.map(JSONStringList.text)
        var count = 0
        let foundationWrite = try nanoseconds(lists.count) {
            for list in lists {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                count &+= try encoder.encode(list).count
            }
        }
        let ownWrite = try nanoseconds(lists.count) { for list in lists { count &+= JSONStringList.text(list).utf8.count } }
        let foundationRead = try nanoseconds(texts.count) {
            for text in texts { count &+= try JSONDecoder().decode([String].self, from: Data(text.utf8)).count }
        }
        let ownRead = try nanoseconds(texts.count) { for text in texts { count &+= try JSONStringList.strings(text).count } }
        precondition(count > 0)
        Self.printAgainstFoundation("case reasons", [("write", foundationWrite, ownWrite), ("read", foundationRead, ownRead)])
    }

    /// A table of `rows` (name, Foundation's ns, ours ns) under `title`, with their ratio.
    private static func printAgainstFoundation(_ title: String, _ rows: [(name: String, foundation: Double, own: Double)]) {
        print(title.padding(toLength: 17, withPad: " ", startingAt: 0) + "Foundation ns  ours ns  Foundation/ours")
        for row in rows {
            print(row.name.padding(toLength: 17, withPad: " ", startingAt: 0)
                  + String(format: "%13.0f  %7.0f  %15.1f", row.foundation, row.own, row.foundation / row.own))
        }
    }

    private func compareIDs(_ ids: [String]) throws {
        let uuids = ids.compactMap(UUID.init(canonicalText:))
        precondition(uuids.count == ids.count, "every message id is a canonical UUID")
        var parsed = 0, written = 0
        let foundationParse = try nanoseconds(ids.count) { for id in ids where UUID(uuidString: id) != nil { parsed &+= 1 } }
        let ownParse = try nanoseconds(ids.count) { for id in ids where UUID(canonicalText: id) != nil { parsed &+= 1 } }
        let foundationWrite = try nanoseconds(uuids.count) { for uuid in uuids { written &+= uuid.uuidString.lowercased().utf8.count } }
        let ownWrite = try nanoseconds(uuids.count) { for uuid in uuids { written &+= uuid.lowercasedText.utf8.count } }
        precondition(parsed > 0 && written > 0)
        Self.printAgainstFoundation("message id", [("text -> UUID", foundationParse, ownParse),
                                                   ("UUID -> text", foundationWrite, ownWrite)])
    }

    private func compareWriting<Message: MessageSchema>(_ name: String, _ messages: [Message]) throws {
        let encoder = MessageCoding.makeEncoder()
        var bytes = 0
        let foundation = try nanoseconds(messages.count) { for message in messages { bytes &+= try encoder.encode(message).count } }
        let writer = try nanoseconds(messages.count) { for message in messages { bytes &+= try MessageCoding.encodeBytes(message).count } }
        precondition(bytes > 0)
        print(name.padding(toLength: 17, withPad: " ", startingAt: 0)
              + String(format: "%14.0f  %9.0f  %14.1f", foundation, writer, foundation / writer))
    }

    private func compare<Message: MessageSchema>(_ name: String, _ type: Message.Type, _ encoded: [[UInt8]]) throws {
        let datas = encoded.map { Data($0) }
        let decoder = MessageCoding.makeDecoder()
        let foundation = try nanoseconds(datas.count) { for data in datas { _ = try decoder.decode(type, from: data) } }
        let scan = try nanoseconds(encoded.count) { for bytes in encoded { _ = try MessageCoding.decode(type, from: bytes) } }
        print(name.padding(toLength: 17, withPad: " ", startingAt: 0)
              + String(format: "%14.0f  %7.0f  %12.1f", foundation, scan, foundation / scan))
    }

    private func nanoseconds(_ count: Int, _ body: () throws -> Void) throws -> Double {
        try body()  // warm-up
        let elapsed = try ContinuousClock().measure { for _ in 0..<rounds { try body() } }
        return elapsed.timeInterval * 1e9 / Double(rounds * count)
    }
}
