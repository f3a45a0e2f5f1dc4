/// The answer of scoring's `GET /v1/subjects/{code}/ledger`: a page of entries, newest first.
public struct LedgerAnswer: Codable, Sendable, Hashable {
    /// One point change with its rule and plain-language reason.
    public struct Entry: Codable, Sendable, Hashable {
        /// The entry's position in the ledger.
        public var seq: Int64
        /// The scheme it moved.
        public var scheme: String
        /// The rule, `id@version`.
        public var rule: String
        /// The points applied.
        public var delta: Int
        /// The points after it.
        public var pointsAfter: Int
        /// The grade after it.
        public var gradeAfter: String?
        /// Why, in plain language.
        public var reason: String
        /// The reporting agency.
        public var agency: String
        /// The agency's event id.
        public var eventID: String
        /// The event kind.
        public var kind: String
        /// `event`, `retraction` or `expiry`.
        public var cause: String
        /// When the event happened (RFC 3339).
        public var occurredAt: String

        enum CodingKeys: String, CodingKey {
            case seq, scheme, rule, delta
            case pointsAfter = "points_after"
            case gradeAfter = "grade_after"
            case reason, agency
            case eventID = "event_id"
            case kind, cause
            case occurredAt = "occurred_at"
        }
    }

    /// The subject code.
    public var subject: String
    /// The entries, newest first.
    public var entries: [Entry]
    /// The `before` value of the next (older) page; nil on the last page.
    public var next: String?
}
