import CreditModel
import Foundation
import Hummingbird
import Pipeline
import PostgresClient
import ServiceSupport

/// `POST /v1/events` (DESIGN §8): an agency, named by its bearer token, submits one event object
/// or an array of them. Every element gets a result (`accepted`, `duplicate` or `rejected` with
/// a reason); the events go through the same validation and the same transaction shape as the
/// Kafka path (events + outbox), without offsets.
///
/// Answers: 200 `{"results":[...]}` whenever the request was processed (also when some or all
/// events were rejected: each result says so); 401 for a missing or unknown token; 413
/// `too_large` above `HTTPLimits` (1000 events or 1 MiB); 503 when the database is unavailable.
/// A body that is not JSON is one rejected `invalid_json` result, stored as a dead letter.
public struct IngestRoutes: Sendable {
    /// The shared intake logic.
    public let intake: EventIntake
    /// The agencies' tokens (hashed).
    public let tokens: AgencyTokens
    /// The database.
    public let pool: PostgresPool
    /// Woken after each commit so the outbox is published at once.
    public let publisher: OutboxPublisher?
    /// Business time.
    public let clock: any WallClock
    /// Request limits.
    public let limits: HTTPLimits

    /// Creates the routes.
    public init(intake: EventIntake, tokens: AgencyTokens, pool: PostgresPool, publisher: OutboxPublisher?,
                clock: any WallClock, limits: HTTPLimits) {
        self.intake = intake
        self.tokens = tokens
        self.pool = pool
        self.publisher = publisher
        self.clock = clock
        self.limits = limits
    }

    /// The answer of `POST /v1/events`.
    public struct Answer: Codable, Sendable {
        /// One result per submitted event, in order.
        public var results: [IntakeResult]
    }

    /// Registers `POST /v1/events` on `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.post("v1/events") { request, context -> Response in
            try await self.submit(request, context: context)
        }
    }

    private func submit(_ request: Request, context: some RequestContext) async throws -> Response {
        let agency = try authenticate(request)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, code: RejectionReason.tooLarge.rawValue,
                           message: "the request body is larger than \(limits.maxBodyBytes) bytes")
        }
        let submissions = try submissions(from: Array(body.readableBytesView), agency: agency)
        let start = ContinuousClock.now
        let intake = intake, now = clock.now(), outbox = Outbox(schema: intake.schema)
        let outcome: EventIntake.Outcome
        do {
            let enqueued: Outbox.Enqueued
            (outcome, enqueued) = try await pool.withTransaction { connection in
                let outcome = try intake.process(submissions, now: now, on: connection)
                return (outcome, try outbox.enqueue(outcome.outbox, on: connection))
            }
            publisher?.publish(enqueued)
        } catch where Retriable.isRetriable(error) {
            // The commit may have gone through: its messages then wait in the outbox, and go first.
            publisher?.wake(fromStart: true)
            context.logger.warning("event submission failed with a transient error", metadata: ["error": "\(error)"])
            throw APIError.unavailable
        }
        IngestMetrics.recordBatch(transport: .http, nanoseconds: (ContinuousClock.now - start).nanoseconds)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = try MessageCoding.encode(Answer(results: outcome.results))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The agency of the request's bearer token; 401 for a missing or unknown one.
    private func authenticate(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("an agency bearer token is required (Authorization: Bearer <token>)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
              let agency = tokens.agency(forToken: parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw APIError.unauthorized("the bearer token is not valid")
        }
        return agency
    }

    /// One submission per array element, or one for the whole body (an object, or not JSON).
    private func submissions(from bytes: [UInt8], agency: String) throws -> [Submission] {
        guard case .array(let elements)? = try? JSONValue.parse(Data(bytes)) else {
            return [Submission(agency: agency, source: .http, body: .bytes(bytes))]
        }
        guard elements.count <= limits.maxEvents else {
            throw APIError(.contentTooLarge, code: RejectionReason.tooLarge.rawValue,
                           message: "\(elements.count) events in one request; the limit is \(limits.maxEvents)")
        }
        return elements.map { element in
            let raw = (try? MessageCoding.encode(element)).map(Array.init) ?? []
            return Submission(agency: agency, source: .http, body: .json(element, raw: raw))
        }
    }
}
