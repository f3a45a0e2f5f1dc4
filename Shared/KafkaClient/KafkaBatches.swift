/// The consumer's non-empty batches as an `AsyncSequence`: each `next()` is one `poll`, so
/// the rebalance guarantee of `KafkaConsumer.poll` holds (hooks run only after the loop body
/// finished the previous batch). Ends when the task is cancelled or the consumer is closed;
/// throws what `poll` throws.
public struct KafkaBatches: AsyncSequence, Sendable {
    /// One batch of messages.
    public typealias Element = [KafkaMessage]
    let consumer: KafkaConsumer
    let maxMessages: Int
    let timeout: Duration

    /// Polls `consumer` until a batch arrives.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let batches: KafkaBatches

        /// The next non-empty batch, or nil once cancelled or closed.
        public mutating func next() async throws -> [KafkaMessage]? {
            while !Task.isCancelled {
                do {
                    let batch = try await batches.consumer.poll(maxMessages: batches.maxMessages, timeout: batches.timeout)
                    if !batch.isEmpty { return batch }
                } catch let error as KafkaError where error.code == .destroyed {
                    return nil
                }
            }
            return nil
        }
    }

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(batches: self) }
}

extension KafkaConsumer {
    /// The consumer's batches as an `AsyncSequence` (see `KafkaBatches`), e.g.
    /// `for try await batch in consumer.batches() { ... }`.
    public func batches(maxMessages: Int = 500, timeout: Duration = .milliseconds(500)) -> KafkaBatches {
        KafkaBatches(consumer: self, maxMessages: maxMessages, timeout: timeout)
    }
}
