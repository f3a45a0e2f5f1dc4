import CreditModel
import KafkaClient
import Pipeline
import PostgresClient
import ServiceSupport

/// The Kafka side of ingest: each batch from the agency topics goes through `EventIntake` in
/// the pipeline's transaction (events, outbox and offsets commit together, DESIGN §9).
public struct IngestHandler: BatchHandler {
    /// The shared intake logic.
    public let intake: EventIntake
    /// How topics name agencies.
    public let topics: AgencyTopics
    /// Business time, for `received_at` and the `future_time` check.
    public let clock: any WallClock

    /// Creates the handler.
    public init(intake: EventIntake, topics: AgencyTopics, clock: any WallClock) {
        self.intake = intake
        self.topics = topics
        self.clock = clock
    }

    /// Validates, de-duplicates and stores `batch`; returns the accepted and rejected messages.
    public func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let start = ContinuousClock.now
        // A batch holds runs of messages from one partition: each run's topic is parsed once.
        var last: (topic: String, agency: String?)?
        let submissions = batch.map { message in
            if let last, last.topic == message.topic { return submission(message, agency: last.agency) }
            let agency = topics.agency(fromTopic: message.topic)
            last = (message.topic, agency)
            return submission(message, agency: agency)
        }
        let outcome = try intake.process(submissions, now: clock.now(), on: connection)
        IngestMetrics.recordBatch(transport: .kafka, nanoseconds: (ContinuousClock.now - start).nanoseconds)
        return outcome.outbox
    }

    /// A message the database refused on its own (e.g. a NUL character in a string, which
    /// PostgreSQL text and jsonb cannot hold): stored and forwarded as rejected `invalid_field`.
    public func deadLetter(_ message: KafkaMessage, error: any Error,
                           on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let refusal = MessageError(.invalidField, "the event's content cannot be stored (for example a NUL character in a string)")
        return try intake.reject(submission(message, agency: topics.agency(fromTopic: message.topic)), error: refusal,
                                 now: clock.now(), on: connection)
    }

    private func submission(_ message: KafkaMessage, agency: String?) -> Submission {
        Submission(agency: agency,
                   source: .kafka(topic: message.topic, partition: message.partition, offset: message.offset),
                   body: .bytes(message.value))
    }
}
