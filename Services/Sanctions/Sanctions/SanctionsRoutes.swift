import CreditModel
import Foundation
import Hummingbird
import Pipeline
import PostgresClient
import ServiceSupport

/// The sanctions HTTP API (DESIGN §8): a subject's cases with every transition and every list
/// lookup about them; appeals (appeal code, within the window); reviews (officer token); the
/// public lists (enforcer token and a purpose, every lookup logged).
public struct SanctionsRoutes: Sendable {
    /// The database.
    public let pool: PostgresPool
    /// The state machine.
    public let engine: CaseEngine
    /// Business time.
    public let clock: any WallClock
    /// Officers' tokens (reviews).
    public let officers: Credentials
    /// Enforcers' tokens (lists).
    public let enforcers: Credentials
    /// Woken after a request that enqueued messages.
    public let publisher: OutboxPublisher?

    /// Creates the routes.
    public init(pool: PostgresPool, engine: CaseEngine, clock: any WallClock, officers: Credentials, enforcers: Credentials,
                publisher: OutboxPublisher?) {
        self.pool = pool
        self.engine = engine
        self.clock = clock
        self.officers = officers
        self.enforcers = enforcers
        self.publisher = publisher
    }

    /// The public lists and the measure each shows.
    static let lists: [String: Measure] = [
        "blacklist": Measure(rawValue: "list.public_blacklist"), "redlist": Measure(rawValue: "list.public_redlist"),
    ]

    /// Registers the routes on `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("v1/subjects/:code/cases") { _, context -> Response in
            try await cases(of: try Self.subject(context.parameters.get("code")))
        }
        router.post("v1/cases/:id/appeal") { request, context -> Response in
            let body = try await Self.body(AppealBody.self, of: request)
            return try await appeal(caseID: context.parameters.get("id") ?? "", body: body)
        }
        router.post("v1/cases/:id/review") { request, context -> Response in
            guard let officer = officers.identify(authorization: request.headers[.authorization]) else {
                throw APIError.unauthorized("an officer bearer token is required")
            }
            let body = try await Self.body(ReviewBody.self, of: request)
            return try await review(caseID: context.parameters.get("id") ?? "", body: body, officer: officer)
        }
        router.get("v1/lists/:list") { request, context -> Response in
            let (list, enforcer, purpose) = try lookupContext(request, context)
            return try await lookup(list: list, subject: nil, enforcer: enforcer, purpose: purpose)
        }
        router.get("v1/lists/:list/:code") { request, context -> Response in
            let (list, enforcer, purpose) = try lookupContext(request, context)
            let subject = try Self.subject(context.parameters.get("code"))
            return try await lookup(list: list, subject: subject, enforcer: enforcer, purpose: purpose)
        }
    }

    // MARK: - Handlers

    func cases(of subject: SubjectCode) async throws -> Response {
        let store = engine.store
        let body = try await pool.withTransaction { connection in
            let cases = try store.cases(of: subject, on: connection)
            let transitions = try store.transitions(of: cases.map(\.id), on: connection)
            return CasesBody(subject: subject.rawValue,
                             cases: cases.map { CasesBody.Item(record: $0, transitions: transitions[$0.id] ?? []) },
                             listLookups: try store.lookups(of: subject, on: connection))
        }
        return try Self.json(body)
    }

    func appeal(caseID: String, body: AppealBody) async throws -> Response {
        guard let code = body.appealCode, !code.isEmpty else {
            throw APIError.badRequest("missing_field", "appeal_code is required (it is in the notice)")
        }
        let engine = engine, now = clock.now(), statement = body.statement.map { String($0.prefix(2000)) }
        do {
            let record = try await Self.refusals {
                try await pool.withTransaction { connection in
                    try engine.appeal(caseID: caseID, code: code, statement: statement, now: now, on: connection)
                }
            }
            return try Self.json(CaseStateBody(record: record))
        } catch CaseError.appealWindowClosed(let deadline) {
            let body = WindowClosedBody(message: "the appeal window closed at \(RFC3339.format(deadline))", deadline: deadline)
            return try Self.json(body, status: .conflict)
        }
    }

    func review(caseID: String, body: ReviewBody, officer: String) async throws -> Response {
        guard let outcomeText = body.outcome, let outcome = ReviewOutcome(rawValue: outcomeText) else {
            throw APIError.badRequest("invalid_field", "outcome must be \"upheld\" or \"overturned\"")
        }
        guard let reason = body.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw APIError.badRequest("missing_field", "reason is required: the subject is told why")
        }
        let engine = engine, now = clock.now(), reasonText = String(reason.prefix(2000))
        let outbox = Outbox(schema: engine.store.schema)
        let record = try await Self.refusals {
            try await pool.withTransaction { connection in
                let (record, messages) = try engine.review(caseID: caseID, outcome: outcome, officer: officer, reason: reasonText,
                                                           now: now, on: connection)
                try outbox.enqueue(messages, on: connection)
                return record
            }
        }
        publisher?.wake()
        return try Self.json(CaseStateBody(record: record))
    }

    func lookupContext<Context: RequestContext>(_ request: Request, _ context: Context) throws -> (String, String, String) {
        guard let enforcer = enforcers.identify(authorization: request.headers[.authorization]) else {
            throw APIError.unauthorized("an enforcer bearer token is required")
        }
        let list = context.parameters.get("list") ?? ""
        guard Self.lists[list] != nil else { throw APIError.notFound("no list '\(list)'; the lists are blacklist and redlist") }
        guard let purpose = request.uri.queryParameters["purpose"].map(String.init)?.trimmingCharacters(in: .whitespaces),
              !purpose.isEmpty, purpose.count <= 500 else {
            throw APIError.badRequest("missing_purpose", "purpose (up to 500 characters) is required: every lookup is logged and shown to the subject")
        }
        return (list, enforcer, purpose)
    }

    func lookup(list: String, subject: SubjectCode?, enforcer: String, purpose: String) async throws -> Response {
        let store = engine.store, now = clock.now()
        guard let measure = Self.lists[list] else { throw APIError.notFound("no list '\(list)'") }
        let body = try await pool.withTransaction { connection in
            let holders = try store.activeHolders(of: measure, subject: subject, on: connection)
            let entries = holders.map { ListBody.Entry(subject: $0.subject.rawValue, caseID: $0.id, policy: $0.policyReference,
                                                       since: $0.activeSince) }
            if let subject {
                try store.recordLookups(list: list, subjects: [subject.rawValue], listed: !entries.isEmpty, enforcer: enforcer,
                                        purpose: purpose, at: now, on: connection)
            } else {
                try store.recordLookups(list: list, subjects: entries.map(\.subject), listed: true, enforcer: enforcer,
                                        purpose: purpose, at: now, on: connection)
            }
            return ListBody(list: list, subject: subject?.rawValue, listed: subject.map { _ in !entries.isEmpty }, entries: entries)
        }
        return try Self.json(body)
    }

    // MARK: - Helpers

    /// Runs `body`, answering a `CaseError` with its HTTP error (a closed window is left to the
    /// appeal handler, whose answer carries the deadline).
    static func refusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CaseError {
            switch error {
            case .notFound: throw APIError.notFound("no sanction case with this id")
            case .wrongAppealCode: throw APIError(.forbidden, code: "wrong_appeal_code", message: error.description)
            case .appealWindowClosed: throw error
            case .invalidState(let state):
                throw APIError(.conflict, code: "invalid_state", message: "the case is \(state.rawValue); this is not possible now")
            }
        }
    }

    static func subject(_ code: String?) throws -> SubjectCode {
        do {
            return try SubjectCode(validating: code ?? "")
        } catch {
            throw APIError.badRequest("invalid_subject", "'\(code ?? "")' is not a valid subject code: \(error)")
        }
    }

    static func body<Body: Decodable>(_ type: Body.Type, of request: Request) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "the body may be at most 64 KiB")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            throw APIError.badRequest("invalid_json", "the body must be a JSON object: \(error)")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try MessageCoding.encode(value))))
    }
}

/// The 409 answer to an appeal after the window: `{"error", "message", "deadline"}`.
struct WindowClosedBody: Encodable {
    let error = "appeal_window_closed"
    let message: String
    let deadline: Date
}
