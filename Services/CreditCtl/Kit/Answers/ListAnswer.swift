/// The answer of sanctions' `GET /v1/lists/{list}[/{code}]`.
public struct ListAnswer: Codable, Sendable, Hashable {
    /// One listed subject.
    public struct Entry: Codable, Sendable, Hashable {
        /// The subject code.
        public var subject: String
        /// The case that lists it.
        public var caseID: String
        /// The policy, `id@version`.
        public var policy: String
        /// Listed since (RFC 3339).
        public var since: String?

        enum CodingKeys: String, CodingKey {
            case subject
            case caseID = "case_id"
            case policy, since
        }
    }

    /// `blacklist` or `redlist`.
    public var list: String
    /// The subject asked about (single lookups).
    public var subject: String?
    /// Whether it is listed (single lookups).
    public var listed: Bool?
    /// The listed subjects.
    public var entries: [Entry]
}
