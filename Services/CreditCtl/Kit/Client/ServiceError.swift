import Foundation

/// A service's refusal: a non-2xx answer with the body of DESIGN §8, `{"error": code,
/// "message": text}`, and the HTTP status. Bodies that are not that shape (a proxy's HTML, an
/// empty 502) keep the status and show the start of the body instead.
public struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The service that answered (`ingest`, `scoring`, `sanctions`, `notification`).
    public var service: String
    /// The request, e.g. `POST /v1/cases/…/review`.
    public var request: String
    /// The HTTP status.
    public var status: Int
    /// The stable error code (`error`), if the body had one.
    public var code: String?
    /// The plain-language explanation (`message`), or the start of a body of another shape.
    public var message: String
    /// The body as received (printed as is by `--json`).
    public var body: Data

    /// Creates an error.
    public init(service: String, request: String, status: Int, code: String?, message: String, body: Data = Data()) {
        self.service = service
        self.request = request
        self.status = status
        self.code = code
        self.message = message
        self.body = body
    }

    /// Decodes the error of a non-2xx answer.
    public static func decode(service: String, request: String, status: Int, body: Data) -> ServiceError {
        struct Shape: Decodable {
            var error: String?
            var message: String?
        }
        if let shape = try? JSONDecoder().decode(Shape.self, from: body), shape.error != nil || shape.message != nil {
            return ServiceError(service: service, request: request, status: status, code: shape.error,
                                message: shape.message ?? "", body: body)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ServiceError(service: service, request: request, status: status, code: nil,
                            message: text.isEmpty ? "no error body" : text, body: body)
    }

    /// `sanctions answered 409 invalid_state: the case is active… (POST /v1/cases/…/review)`.
    public var description: String {
        "\(service) answered \(status)\(code.map { " \($0)" } ?? ""): \(message) (\(request))"
    }
}

/// Why a request got no usable answer.
public enum ClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The service could not be reached (not running, wrong address, timeout).
    case unreachable(service: String, url: String, reason: String)
    /// A 2xx answer whose body is not what the service's contract says.
    case unexpectedBody(service: String, request: String, reason: String)
    /// The stack file has no token for this caller.
    case noToken(String)

    /// A plain-language description with what to do.
    public var description: String {
        switch self {
        case .unreachable(let service, let url, let reason):
            "cannot reach \(service) at \(url): \(reason) (is the stack up? `scripts/stack status`)"
        case .unexpectedBody(let service, let request, let reason):
            "\(service) answered \(request) with an unexpected body: \(reason)"
        case .noToken(let who):
            "the stack file has no token for \(who)"
        }
    }
}
