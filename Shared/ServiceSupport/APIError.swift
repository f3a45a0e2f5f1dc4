import Foundation
import Hummingbird
import PostgresClient

/// An error answered as JSON `{"error": code, "message": text}` with a fitting status (DESIGN §8).
///
/// Handlers throw it for anything the client did wrong or must know; `APIErrorMiddleware`
/// turns every other error into a 500 of the same shape, so no stack trace ever leaks.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    /// HTTP status of the answer.
    public let status: HTTPResponse.Status
    /// Stable machine-readable code, e.g. `not_found`, `unauthorized`, `invalid_json`.
    public let code: String
    /// Plain-language explanation for the caller.
    public let message: String

    /// Creates an error answered with `status`, `code` and `message`.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body of the answer.
    struct Body: Codable {
        let error: String
        let message: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(error: code, message: message))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if status == .serviceUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 404 for a path or resource that does not exist.
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message: message) }
    /// 400 for input the server cannot act on.
    public static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message: message) }
    /// 503 while the database cannot answer (down, restarting, a transient failure). A write may
    /// still have committed (a connection lost during COMMIT), so the client learns only that it
    /// may send the request again: every write of the APIs is keyed (an event by its id, an
    /// appeal or review by the case's state), so a repeat cannot take effect twice.
    public static let unavailable = APIError(.serviceUnavailable, code: "unavailable", message: "the database is unavailable; retry later")
    /// 401 for a missing or wrong bearer token.
    public static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "unauthorized", message: message) }
}

/// Maps every error a handler throws to the JSON error shape: `APIError` as it is, Hummingbird's
/// own `HTTPError` (e.g. 404 from the router) with its status, a transient PostgreSQL failure
/// (server down or restarting, connection lost, serialization failure) to a 503 the client may
/// retry, anything else to a logged 500.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Creates the middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            throw APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        } catch let error as PostgresError where error.isRetriable {
            context.logger.warning("request failed with a transient database error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError.unavailable
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, code: "internal_error", message: "the server failed to handle the request; it has been logged")
        }
    }
}
