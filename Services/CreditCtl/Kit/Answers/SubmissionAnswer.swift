/// The answer of ingest's `POST /v1/events`: one result per submitted event, in order.
public struct SubmissionAnswer: Codable, Sendable, Hashable {
    /// One event's result.
    public struct Result: Codable, Sendable, Hashable {
        /// The event's id, when it had a readable one.
        public var eventID: String?
        /// `accepted`, `duplicate` or `rejected`.
        public var status: String
        /// The rejection reason code (DESIGN §8).
        public var reason: String?
        /// The rejection in plain language.
        public var message: String?

        /// Creates a result.
        public init(eventID: String?, status: String, reason: String? = nil, message: String? = nil) {
            self.eventID = eventID
            self.status = status
            self.reason = reason
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case status, reason, message
        }
    }

    /// The results, in the order of the submitted events.
    public var results: [Result]
}
