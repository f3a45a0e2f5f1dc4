import CreditModel

/// Which service consumes which topics, and where each keeps its state (DESIGN §2): what the
/// benchmark's progress polling and end-of-run checks walk.
public struct PipelineTopology: Sendable, Hashable {
    /// One consuming service.
    public struct Consumer: Sendable, Hashable {
        /// The service, which is also its schema.
        public var schema: String
        /// The topics it consumes.
        public var topics: [String]
        /// Its dead-letter table.
        public var deadLetters: String
    }

    /// The agency topics (from the registry).
    public var agencyTopics: [String]

    /// The topology for the agencies `agencyIDs`.
    public init(agencyIDs: [String]) {
        agencyTopics = agencyIDs.map(Topics.agencyEvents)
    }

    /// The four services in pipeline order.
    public var consumers: [Consumer] {
        [
            Consumer(schema: "ingest", topics: agencyTopics, deadLetters: "rejected_events"),
            Consumer(schema: "scoring", topics: [Topics.eventsAccepted], deadLetters: "rejected_messages"),
            Consumer(schema: "sanctions", topics: [Topics.scoresChanged, Topics.eventsAccepted, Topics.notificationsDelivered],
                     deadLetters: "rejected_messages"),
            Consumer(schema: "notification", topics: [Topics.notificationsRequested], deadLetters: "rejected_requests"),
        ]
    }

    /// Every topic of the run: agency topics, then the pipeline's.
    public var allTopics: [String] { agencyTopics + Topics.pipeline }
}
