/// The answer of notification's `GET /v1/subjects/{code}/notices`.
public struct NoticesAnswer: Codable, Sendable, Hashable {
    /// One notice and its delivery.
    public struct Notice: Codable, Sendable, Hashable {
        /// The notice request's id.
        public var requestID: String
        /// The case it is about.
        public var caseID: String
        /// `sanction_notice`, `reward_info` or `lift_info`.
        public var kind: String
        /// Its one-line title.
        public var title: String
        /// `pending`, `delivered` or `failed`.
        public var status: String
        /// `webhook` or `mailbox`, once tried.
        public var channel: String?
        /// Attempts so far.
        public var attempts: Int
        /// When sanctions asked for it.
        public var requestedAt: String
        /// When it was delivered (starts a sanction's appeal window).
        public var deliveredAt: String?
        /// The last delivery error.
        public var lastError: String?

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id"
            case caseID = "case_id"
            case kind, title, status, channel, attempts
            case requestedAt = "requested_at"
            case deliveredAt = "delivered_at"
            case lastError = "last_error"
        }
    }

    /// The subject code.
    public var subject: String
    /// The notices, oldest request first.
    public var notices: [Notice]
}
