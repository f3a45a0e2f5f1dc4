import CreditCtlKit
import Testing

/// How the benchmark's publisher sizes its batches: each paced batch holds one interval's
/// events (on the dev broker, one message set per agency topic).
@Suite struct EventPublisherTests {
    @Test func pacedBatchesHoldOneIntervalOfEvents() {
        #expect(EventPublisher.eventsPerBatch(rate: 3_000, interval: .milliseconds(40), limit: 1_000, window: nil) == 120)
        #expect(EventPublisher.eventsPerBatch(rate: 3_000, interval: .milliseconds(10), limit: 1_000, window: nil) == 30)
        // A fraction of an event rounds up; a slow stream still sends one at a time.
        #expect(EventPublisher.eventsPerBatch(rate: 2_501, interval: .milliseconds(10), limit: 1_000, window: nil) == 26)
        #expect(EventPublisher.eventsPerBatch(rate: 5, interval: .milliseconds(40), limit: 1_000, window: nil) == 1)
    }

    @Test func batchesStayWithinTheLimitAndTheWindow() {
        #expect(EventPublisher.eventsPerBatch(rate: 100_000, interval: .milliseconds(40), limit: 1_000, window: nil) == 1_000)
        #expect(EventPublisher.eventsPerBatch(rate: 3_000, interval: .milliseconds(40), limit: 1_000, window: 50) == 50)
        #expect(EventPublisher.eventsPerBatch(rate: nil, interval: .milliseconds(40), limit: 1_000, window: nil) == 1_000)
        #expect(EventPublisher.eventsPerBatch(rate: nil, interval: .milliseconds(40), limit: 1_000, window: 600) == 600)
    }
}
