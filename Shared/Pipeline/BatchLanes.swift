import KafkaClient

/// How a consumed batch is split into lanes, transactions that `PipelineConsumer` runs at once:
/// by message key (the subject code), so that a key's messages stay in one lane and in order,
/// the only order the topics promise (DESIGN §2).
public enum BatchLanes {
    /// Splits `batch` into at most `count` lanes of at least `minimum` messages each (fewer when
    /// the batch is small) by ``hash(of:)``: a key's messages all go to one lane, in the batch's
    /// order. A message without a key goes with its partition's other keyless ones. Lanes can
    /// come out uneven (few keys), and never empty.
    public static func split(_ batch: [KafkaMessage], into count: Int, atLeast minimum: Int) -> [[KafkaMessage]] {
        let lanes = min(count, batch.count / max(1, minimum))
        guard lanes > 1 else { return [batch] }
        var split = Array(repeating: [KafkaMessage](), count: lanes)
        for message in batch {
            split[Int(hash(of: message) % UInt64(lanes))].append(message)
        }
        return split.filter { !$0.isEmpty }
    }

    /// The hash that picks a message's lane: FNV-1a of its key's bytes (of its partition number,
    /// little-endian, for a keyless message). The same in every process and run, unlike `Hasher`.
    public static func hash(of message: KafkaMessage) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        if let key = message.key {
            key.forEach(mix)
        } else {
            withUnsafeBytes(of: message.partition.littleEndian) { $0.forEach(mix) }
        }
        return hash
    }
}
