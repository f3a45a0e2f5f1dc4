/// The answer of scoring's `GET /v1/subjects/{code}/scores`.
public struct ScoresAnswer: Codable, Sendable, Hashable {
    /// The subject's standing on one scheme.
    public struct Scheme: Codable, Sendable, Hashable {
        /// The scheme (`citizen`, `dog-owner`, `corporate`).
        public var scheme: String
        /// The points now (or as of the requested instant).
        public var points: Int
        /// The grade of those points.
        public var grade: String?
        /// The points every subject starts with.
        public var initial: Int
        /// The scheme's lower bound.
        public var min: Int
        /// The scheme's upper bound.
        public var max: Int
    }

    /// The subject code.
    public var subject: String
    /// `person`, `company` or `organisation`.
    public var subjectType: String
    /// The instant asked about, if any.
    public var asOf: String?
    /// The subject's schemes.
    public var schemes: [Scheme]

    /// The standing on `scheme`, if listed.
    public func scheme(_ id: String) -> Scheme? { schemes.first { $0.scheme == id } }

    enum CodingKeys: String, CodingKey {
        case subject
        case subjectType = "subject_type"
        case asOf = "as_of"
        case schemes
    }
}
