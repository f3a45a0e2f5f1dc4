import CreditModel
import Foundation
import Pipeline
import PostgresClient

/// The heart of ingest, shared by Kafka and HTTP: validates a batch of submissions, decides
/// duplicates, conflicting duplicates and retraction targets against the database and against
/// earlier members of the same batch, stores accepted and rejected events, and returns the
/// messages for the outbox. Runs inside the caller's transaction.
public struct EventIntake: Sendable {
    /// The service's schema.
    public let schema: String
    /// The agency registry (mandates).
    public let registry: AgencyRegistry
    /// Where accepted events go.
    public let acceptedTopic: String
    /// Where dead letters go.
    public let rejectedTopic: String
    private let store: EventStore
    private let metrics: IngestMetrics

    /// Creates the intake for `schema`.
    public init(schema: String, registry: AgencyRegistry, acceptedTopic: String = Topics.eventsAccepted,
                rejectedTopic: String = Topics.eventsRejected) {
        self.schema = schema
        self.registry = registry
        self.acceptedTopic = acceptedTopic
        self.rejectedTopic = rejectedTopic
        store = EventStore(schema: schema)
        metrics = IngestMetrics(registry: registry)
    }

    /// The decisions for `submissions` (same order) and the messages to publish.
    public struct Outcome: Sendable {
        /// One result per submission.
        public var results: [IntakeResult]
        /// Accepted and rejected messages for the outbox.
        public var outbox: [OutboxMessage]
    }

    /// Processes `submissions` received at `now` within the open transaction on `connection`.
    public func process(_ submissions: [Submission], now: Date,
                        on connection: isolated PostgresConnection) throws -> Outcome {
        let validated = submissions.map { $0.validate(now: now, registry: registry) }
        var known = try store.stored(Self.lookupBeforeInsert(submissions, validated), on: connection)

        var results: [IntakeResult] = []
        var rows: [EventStore.Row] = []
        var rejections: [EventStore.Rejection] = []
        var retractions: [(target: EventStore.Key, by: String)] = []
        func reject(_ submission: Submission, _ error: MessageError, eventID: String?) {
            rejections.append(EventStore.Rejection(submission, error: error, eventID: eventID, receivedAt: now))
            results.append(IntakeResult(eventID: eventID, status: .rejected, reason: error.reason, message: error.message))
        }
        for (submission, validation) in zip(submissions, validated) {
            switch validation {
            case .invalid(let error, let eventID):
                reject(submission, error, eventID: eventID)
            case .valid(let event):
                let agency = submission.agency ?? ""
                let key = EventStore.Key(agency: agency, eventID: event.eventID)
                let fingerprint = event.fingerprint
                if let existing = known[key] {
                    if existing.fingerprint == fingerprint {
                        results.append(IntakeResult(eventID: event.eventID, status: .duplicate,
                                                    message: "event '\(event.eventID)' was already accepted"))
                    } else {
                        reject(submission, MessageError(.conflictingDuplicate,
                                                        "event '\(event.eventID)' was already accepted with different content",
                                                        field: "event_id"), eventID: event.eventID)
                    }
                    continue
                }
                if let target = event.retracts {
                    let targetKey = EventStore.Key(agency: agency, eventID: target)
                    guard let retracted = known[targetKey] else {
                        reject(submission, MessageError(.unknownRetractionTarget,
                                                        "retracts '\(target)', which agency '\(agency)' never reported",
                                                        field: "retracts"), eventID: event.eventID)
                        continue
                    }
                    guard retracted.subject == event.subject.rawValue else {
                        reject(submission, MessageError(.unknownRetractionTarget,
                                                        "retracts '\(target)', which is about another subject",
                                                        field: "retracts"), eventID: event.eventID)
                        continue
                    }
                    retractions.append((targetKey, event.eventID))
                }
                known[key] = EventStore.Stored(fingerprint: fingerprint, subject: event.subject.rawValue)
                let accepted = AcceptedEvent(event: event, agency: agency, receivedAt: now, source: submission.source)
                rows.append(try .init(agency: agency, event: event, accepted: accepted, fingerprint: fingerprint, receivedAt: now))
                results.append(IntakeResult(eventID: event.eventID, status: .accepted))
            }
        }

        let inserted = try store.insert(rows, on: connection)
        // Rows a concurrent transaction stored first (it waited for that one to commit, so its
        // content is visible now): the same content is a duplicate, other content a conflict.
        let lost = rows.filter { !inserted.contains(.init(agency: $0.agency, eventID: $0.event.eventID)) }
        let winners = try store.stored(Set(lost.map { EventStore.Key(agency: $0.agency, eventID: $0.event.eventID) }),
                                       on: connection)
        let lostKeys = Set(lost.map { EventStore.Key(agency: $0.agency, eventID: $0.event.eventID) })
        for row in lost {
            guard let index = results.indices.first(where: {
                results[$0].eventID == row.event.eventID && results[$0].status == .accepted && submissions[$0].agency == row.agency
            }) else { continue }
            if winners[.init(agency: row.agency, eventID: row.event.eventID)]?.fingerprint == row.fingerprint {
                results[index] = IntakeResult(eventID: row.event.eventID, status: .duplicate,
                                              message: "event '\(row.event.eventID)' was already accepted")
            } else {
                let error = MessageError(.conflictingDuplicate,
                                         "event '\(row.event.eventID)' was already accepted with different content",
                                         field: "event_id")
                let submission = submissions[index]
                rejections.append(EventStore.Rejection(submission, error: error, eventID: row.event.eventID, receivedAt: now))
                results[index] = IntakeResult(eventID: row.event.eventID, status: .rejected, reason: error.reason,
                                              message: error.message)
            }
        }
        try store.markRetracted(retractions.filter { !lostKeys.contains(.init(agency: $0.target.agency, eventID: $0.by)) },
                                on: connection)
        try store.insert(rejections, on: connection)

        var outbox: [OutboxMessage] = []
        outbox.reserveCapacity(rows.count + rejections.count)
        for row in rows where !lostKeys.contains(.init(agency: row.agency, eventID: row.event.eventID)) {
            outbox.append(OutboxMessage(id: row.messageID, topic: acceptedTopic, key: row.event.subject.rawValue, payload: row.payload))
        }
        outbox += try rejections.map(deadLetterMessage)
        metrics.record(zip(submissions, results).map { ($0.agency, $1) })
        return Outcome(results: results, outbox: outbox)
    }

    /// The keys to look up before inserting: none for a batch of distinct keys without
    /// retractions, whose duplicates the insert itself finds (`ON CONFLICT DO NOTHING`, then one
    /// lookup of the rows it skipped, as for a concurrent insert), which saves a round trip on
    /// the score path for most batches. A retraction needs its target's subject before the
    /// insert, and a key repeated in the batch is compared with what is stored before it is
    /// compared with its earlier copy, so those batches look up every key first.
    static func lookupBeforeInsert(_ submissions: [Submission], _ validated: [Submission.Validated]) -> Set<EventStore.Key> {
        var keys = Set<EventStore.Key>()
        var needed = false
        for (submission, validation) in zip(submissions, validated) {
            guard case .valid(let event) = validation, let agency = submission.agency else { continue }
            if !keys.insert(.init(agency: agency, eventID: event.eventID)).inserted { needed = true }
            if let target = event.retracts {
                keys.insert(.init(agency: agency, eventID: target))
                needed = true
            }
        }
        return needed ? keys : []
    }

    /// Stores and forwards one submission as rejected with `error` (for a message that failed
    /// on its own in the database).
    public func reject(_ submission: Submission, error: MessageError, now: Date,
                       on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let rejection = EventStore.Rejection(submission, error: error, eventID: nil, receivedAt: now)
        try store.insert([rejection], on: connection)
        metrics.record([(submission.agency, IntakeResult(eventID: nil, status: .rejected, reason: error.reason))])
        return [try deadLetterMessage(rejection)]
    }

    private func deadLetterMessage(_ rejection: EventStore.Rejection) throws -> OutboxMessage {
        let message = RejectedEvent(raw: rejection.raw, source: rejection.source, agency: rejection.agency,
                                    eventID: rejection.eventID, error: rejection.error, rejectedAt: rejection.receivedAt)
        return OutboxMessage(id: rejection.messageID, topic: rejectedTopic, key: Self.rejectionKey(rejection),
                             payload: try MessageCoding.encodeBytes(message))
    }

    /// A dead letter's key: the subject when the message names a valid one, else the agency
    /// (so one agency's bad messages stay in order), else `unknown`.
    static func rejectionKey(_ rejection: EventStore.Rejection) -> String {
        if rejection.raw.count <= AgencyEvent.maxMessageBytes, let value = try? JSONValue.parse(Data(rejection.raw)), let subject = value["subject"]?.stringValue,
           (try? SubjectCode(validating: subject)) != nil {
            return subject
        }
        return rejection.agency ?? "unknown"
    }
}
