import KafkaClient
import Pipeline
import Testing

/// How a consumed batch is split into lanes: by key, each key's messages in order, nothing lost.
@Suite struct LaneSplitTests {
    /// 200 messages over 3 partitions and 2 topics, 50 keys (so two lanes are never one but by a
    /// 2^-52 chance of the per-process hash), every 20th without a key.
    static let batch: [KafkaMessage] = (0..<200).map(message)

    static func message(_ index: Int) -> KafkaMessage {
        let topic = index % 7 == 0 ? "other" : "in"
        let key: [UInt8]? = index % 20 == 0 ? nil : Array("subject-\(index % 50)".utf8)
        return KafkaMessage(topic: topic, partition: Int32(index % 3), offset: Int64(index), key: key, value: Array("m\(index)".utf8))
    }

    @Test func everyMessageGoesToOneLaneAndEachKeyKeepsItsOrder() {
        let lanes = BatchLanes.split(Self.batch, into: 2, atLeast: 32)
        #expect(lanes.count == 2)
        #expect(lanes.allSatisfy { !$0.isEmpty })
        #expect(lanes.flatMap { $0 }.map(\.offset).sorted() == Self.batch.map(\.offset))
        // A key's messages, or a partition's keyless ones, stay together.
        func group(_ message: KafkaMessage) -> String {
            message.key.map { String(decoding: $0, as: UTF8.self) } ?? "keyless in \(message.partition)"
        }
        for name in Set(Self.batch.map(group)) {
            let holding = lanes.filter { $0.contains { group($0) == name } }
            #expect(holding.count == 1, "\(name) is in \(holding.count) lanes")
            // In the batch's order within its lane.
            let offsets = holding.first?.filter { group($0) == name }.map(\.offset) ?? []
            #expect(offsets == offsets.sorted())
        }
    }

    @Test func aSmallBatchStaysWhole() {
        let small = Array(Self.batch.prefix(63))
        #expect(BatchLanes.split(small, into: 2, atLeast: 32) == [small])
        #expect(BatchLanes.split(Self.batch, into: 1, atLeast: 32) == [Self.batch])
        // 200 messages make at most 6 lanes of 32.
        #expect(BatchLanes.split(Self.batch, into: 16, atLeast: 32).count <= 6)
    }
}
