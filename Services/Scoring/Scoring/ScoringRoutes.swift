import CreditModel
import Foundation
import Hummingbird
import PostgresClient
import ServiceSupport

/// The scoring HTTP API (DESIGN §8): a subject's scores (now or `as_of` an instant) and its
/// ledger, newest first, with the rule and reason of every entry (transparency).
public struct ScoringRoutes: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// The tables.
    public let ledger: Ledger
    /// The schemes shown.
    public let rulebook: Rulebook

    /// Creates the routes.
    public init(pool: PostgresPool, ledger: Ledger, rulebook: Rulebook) {
        self.pool = pool
        self.ledger = ledger
        self.rulebook = rulebook
    }

    /// Registers `GET /v1/subjects/{code}/scores` and `GET /v1/subjects/{code}/ledger`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("v1/subjects/:code/scores") { request, context -> Response in
            let subject = try Self.subject(context.parameters.get("code"))
            var asOf: Date?
            if let text = request.uri.queryParameters["as_of"] {
                guard let date = RFC3339.parse(String(text)) else {
                    throw APIError.badRequest("invalid_as_of", "as_of must be an RFC 3339 time such as 2026-11-20T09:30:00Z")
                }
                asOf = date
            }
            return try Self.json(try await scores(of: subject, asOf: asOf))
        }
        router.get("v1/subjects/:code/ledger") { request, context -> Response in
            let subject = try Self.subject(context.parameters.get("code"))
            let limit = try Self.integer(request.uri.queryParameters["limit"], name: "limit", default: 50, range: 1...500)
            let before = try request.uri.queryParameters["before"].map {
                Int64(try Self.integer($0, name: "before", default: 0, range: 1...Int.max))
            }
            let ledger = ledger
            let rows = try await pool.withTransaction { connection in
                try ledger.page(of: subject, before: before, limit: limit, on: connection).map { LedgerPage.Item(seq: $0.seq, entry: $0.entry) }
            }
            let next = rows.count == limit ? rows.last.map { String($0.seq) } : nil
            return try Self.json(LedgerPage(subject: subject.rawValue, entries: rows, next: next))
        }
    }

    /// The scores of `subject`: every scheme of its type that applies to all, plus any it has entries on.
    func scores(of subject: SubjectCode, asOf: Date?) async throws -> ScoresResponse {
        let ledger = ledger
        let (balances, entries) = try await pool.withTransaction { connection in
            (try ledger.balances(of: subject, on: connection), asOf == nil ? [] : try ledger.entries(of: subject, on: connection))
        }
        let present = Set(balances.keys).union(entries.map(\.scheme))
        var schemes: [ScoresResponse.SchemeScore] = []
        for scheme in rulebook.schemes where scheme.subjectTypes.contains(subject.type) {
            guard scheme.appliesToAll || present.contains(scheme.id) else { continue }
            let points: Int
            if let asOf {
                let own = entries.filter { $0.scheme == scheme.id }
                guard scheme.appliesToAll || own.contains(where: { $0.effectiveAt <= asOf }) else { continue }
                points = ScoreHistory.points(at: asOf, scheme: scheme, entries: own)
            } else {
                points = balances[scheme.id] ?? scheme.initialPoints
            }
            schemes.append(.init(scheme: scheme.id, points: points, grade: scheme.grade(for: points), initial: scheme.initialPoints,
                                 min: scheme.minimum, max: scheme.maximum))
        }
        return ScoresResponse(subject: subject.rawValue, subjectType: subject.type.rawValue, asOf: asOf, schemes: schemes)
    }

    static func subject(_ code: String?) throws -> SubjectCode {
        do {
            return try SubjectCode(validating: code ?? "")
        } catch {
            throw APIError.badRequest("invalid_subject", "'\(code ?? "")' is not a valid subject code: \(error)")
        }
    }

    static func integer(_ text: Substring?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func json(_ value: some Encodable) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try MessageCoding.encode(value))))
    }
}

/// The body of `GET /v1/subjects/{code}/scores`.
public struct ScoresResponse: Codable, Sendable, Hashable {
    /// One scheme's state.
    public struct SchemeScore: Codable, Sendable, Hashable {
        /// The scheme id.
        public var scheme: String
        /// The points.
        public var points: Int
        /// The grade.
        public var grade: String?
        /// The scheme's initial points.
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
    /// The instant asked for (nil: now, from the live balances).
    public var asOf: Date?
    /// Each scheme's state.
    public var schemes: [SchemeScore]

    enum CodingKeys: String, CodingKey {
        case subject
        case subjectType = "subject_type"
        case asOf = "as_of"
        case schemes
    }
}

/// The body of `GET /v1/subjects/{code}/ledger`: entries newest first; `next` is the `before`
/// value of the following page (nil on the last page).
public struct LedgerPage: Encodable, Sendable {
    /// One entry with its position.
    public struct Item: Encodable, Sendable {
        /// The position (pass as `before` to page on).
        public var seq: Int64
        /// The entry, encoded as its `score-change/1` form plus `seq`, `requested` and `effective_at`.
        public var entry: LedgerEntry

        /// Encodes the announcement's fields and the ledger-only ones.
        public func encode(to encoder: any Encoder) throws {
            try entry.scoreChange.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(seq, forKey: .seq)
            try container.encode(entry.requested, forKey: .requested)
            try container.encode(entry.effectiveAt, forKey: .effectiveAt)
        }

        enum Keys: String, CodingKey {
            case seq, requested
            case effectiveAt = "effective_at"
        }
    }

    /// The subject code.
    public var subject: String
    /// The entries, newest first.
    public var entries: [Item]
    /// The cursor of the next page.
    public var next: String?
}
