import CreditModel
import Foundation

/// An HTTP client for the stack's services (DESIGN §8), addressed and authorised through the
/// stack file: agency tokens for `POST /v1/events`, the officer's for reviews, the enforcer's
/// for list lookups. Every call returns the decoded answer with its raw body, or throws a
/// `ServiceError` (status and the service's `{"error","message"}`) or a `ClientError`.
public struct StackClient: Sendable {
    /// Addresses and tokens.
    public let stack: StackFile
    /// How requests are sent.
    public let transport: any HTTPTransport

    /// Creates a client for `stack`.
    public init(stack: StackFile, transport: any HTTPTransport = URLSessionTransport()) {
        self.stack = stack
        self.transport = transport
    }

    // MARK: - ingest

    /// `POST /v1/events` as `agency` (its token from the stack file): the events, one array.
    public func submit(_ events: [JSONValue], agency: String) async throws -> ServiceReply<SubmissionAnswer> {
        guard let token = stack.tokens.agencies[agency] else { throw ClientError.noToken("agency '\(agency)'") }
        return try await call("ingest", "POST", path: ["v1", "events"], token: token,
                              body: try MessageCoding.encode(JSONValue.array(events)))
    }

    // MARK: - scoring

    /// `GET /v1/subjects/{code}/scores[?as_of=…]`.
    public func scores(_ subject: String, asOf: String? = nil) async throws -> ServiceReply<ScoresAnswer> {
        try await call("scoring", "GET", path: ["v1", "subjects", subject, "scores"], query: ["as_of": asOf])
    }

    /// `GET /v1/subjects/{code}/ledger[?limit=…&before=…]`, newest entries first.
    public func ledger(_ subject: String, limit: Int? = nil, before: String? = nil) async throws -> ServiceReply<LedgerAnswer> {
        try await call("scoring", "GET", path: ["v1", "subjects", subject, "ledger"],
                       query: ["limit": limit.map(String.init), "before": before])
    }

    // MARK: - sanctions

    /// `GET /v1/subjects/{code}/cases`.
    public func cases(_ subject: String) async throws -> ServiceReply<CasesAnswer> {
        try await call("sanctions", "GET", path: ["v1", "subjects", subject, "cases"])
    }

    /// `POST /v1/cases/{id}/appeal` with the appeal code from the notice.
    public func appeal(caseID: String, appealCode: String, statement: String?) async throws -> ServiceReply<CaseStateAnswer> {
        var body: [String: JSONValue] = ["appeal_code": .string(appealCode)]
        if let statement { body["statement"] = .string(statement) }
        return try await call("sanctions", "POST", path: ["v1", "cases", caseID, "appeal"],
                              body: try MessageCoding.encode(JSONValue.object(body)))
    }

    /// `POST /v1/cases/{id}/review` with the officer's token.
    public func review(caseID: String, outcome: ReviewOutcome, reason: String) async throws -> ServiceReply<CaseStateAnswer> {
        let body: JSONValue = ["outcome": .string(outcome.rawValue), "reason": .string(reason)]
        return try await call("sanctions", "POST", path: ["v1", "cases", caseID, "review"], token: stack.tokens.officer,
                              body: try MessageCoding.encode(body))
    }

    /// `GET /v1/lists/{list}[/{code}]?purpose=…` with the enforcer's token (the lookup is logged).
    public func list(_ list: PublicList, subject: String? = nil, purpose: String) async throws -> ServiceReply<ListAnswer> {
        try await call("sanctions", "GET", path: ["v1", "lists", list.rawValue] + (subject.map { [$0] } ?? []),
                       query: ["purpose": purpose], token: stack.tokens.enforcer)
    }

    // MARK: - notification

    /// `GET /v1/subjects/{code}/notices`.
    public func notices(_ subject: String) async throws -> ServiceReply<NoticesAnswer> {
        try await call("notification", "GET", path: ["v1", "subjects", subject, "notices"])
    }

    // MARK: - Requests

    /// The URL of `path` (segments, each percent-encoded) and `query` (nil values left out) on `service`.
    public func url(_ service: String, path: [String], query: [String: String?] = [:]) throws -> URL {
        let base = try stack.serviceURL(service)
        let encoded = path.map { $0.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? $0 }
        var text = base.hasSuffix("/") ? String(base.dropLast()) : base
        text += "/" + encoded.joined(separator: "/")
        let items = query.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.0 < $1.0 }
        if !items.isEmpty {
            text += "?" + items.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: Self.queryCharacters) ?? $1)" }
                .joined(separator: "&")
        }
        guard let url = URL(string: text) else { throw StackFileError.unreadable(path: "stack file", reason: "bad URL \(text)") }
        return url
    }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#"))
    private static let queryCharacters = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?"))

    private func call<Value: Decodable & Sendable>(_ service: String, _ method: String, path: [String],
                                                   query: [String: String?] = [:], token: String? = nil,
                                                   body: Data? = nil) async throws -> ServiceReply<Value> {
        let url = try url(service, path: path, query: query)
        var headers = ["Accept": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if body != nil { headers["Content-Type"] = "application/json" }
        let request = "\(method) \(url.path)"
        let answer: (status: Int, body: Data)
        do {
            answer = try await transport.send(HTTPRequest(method: method, url: url, headers: headers, body: body))
        } catch {
            throw ClientError.unreachable(service: service, url: url.absoluteString, reason: error.localizedDescription)
        }
        guard (200..<300).contains(answer.status) else {
            throw ServiceError.decode(service: service, request: request, status: answer.status, body: answer.body)
        }
        do {
            return ServiceReply(value: try JSONDecoder().decode(Value.self, from: answer.body), body: answer.body,
                                status: answer.status)
        } catch {
            throw ClientError.unexpectedBody(service: service, request: request, reason: "\(error)")
        }
    }
}
