import CreditModel
import Foundation
import Hummingbird
import PostgresClient
import ServiceSupport

/// `GET /v1/subjects/{code}/notices` (DESIGN §8): the subject's notices with status and times.
/// A malformed code is a 400 `invalid_subject`.
public enum NoticesAPI {
    /// The answer's body.
    public struct Body: Codable, Sendable {
        /// The subject code.
        public var subject: String
        /// The notices, oldest request first.
        public var notices: [NoticeSummary]
    }

    /// Registers the route on `router`.
    public static func add<Context: RequestContext>(to router: Router<Context>, store: NoticeStore, pool: PostgresPool) {
        router.get("v1/subjects/:code/notices") { _, context -> Response in
            let text = context.parameters.get("code") ?? ""
            let subject: SubjectCode
            do {
                subject = try SubjectCode(validating: text)
            } catch {
                throw APIError.badRequest("invalid_subject", "'\(text)' is not a valid subject code: \(error)")
            }
            let body = Body(subject: subject.rawValue, notices: try await store.notices(of: subject, pool: pool))
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: try MessageCoding.encode(body))))
        }
    }
}
