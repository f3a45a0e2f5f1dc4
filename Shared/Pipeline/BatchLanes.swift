import KafkaClient

/// How a consumed batch is split into lanes, transactions that `PipelineConsumer` runs at once:
/// by message key (the subject code), so that a key's messages stay in one lane and in order,
/// the only order the topics promise (DESIGN §2).
public enum BatchLanes {
    /// Splits `batch` into at most `count` lanes of at least `minimum` messages each (fewer when
    /// the batch is small) by a hash of each message's key: a key's messages all go to one lane,
    /// in the batch's order. A message without a key goes with its partition's other keyless
    /// ones. Lanes can come out uneven (few keys), and never empty.
    ///
    /// `Hasher` is seeded per process, so a key's lane may differ between processes; that is
    /// harmless, because one batch's lanes all commit before the next batch starts.
    public static func split(_ batch: [KafkaMessage], into count: Int, atLeast minimum: Int) -> [[KafkaMessage]] {
        let lanes = min(count, batch.count / max(1, minimum))
        guard lanes > 1 else { return [batch] }
        var split = Array(repeating: [KafkaMessage](), count: lanes)
        for message in batch {
            var hasher = Hasher()
            if let key = message.key { hasher.combine(key) } else { hasher.combine(message.partition) }
            split[Int(UInt(bitPattern: hasher.finalize()) % UInt(lanes))].append(message)
        }
        return split.filter { !$0.isEmpty }
    }
}
