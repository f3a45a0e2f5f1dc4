import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request as the client builds it.
public struct HTTPRequest: Sendable, Hashable {
    /// `GET` or `POST`.
    public var method: String
    /// The full URL.
    public var url: URL
    /// Header fields.
    public var headers: [String: String]
    /// The body, for `POST`.
    public var body: Data?

    /// Creates a request.
    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Sends HTTP requests: URLSession for the real stack, a stub in tests.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the status and body; throws only when there is no answer.
    func send(_ request: HTTPRequest) async throws -> (status: Int, body: Data)
}

/// The transport over Foundation's `URLSession` (an ephemeral session: no cookies, no cache).
public struct URLSessionTransport: HTTPTransport {
    /// Seconds before a request without an answer fails.
    public var timeout: TimeInterval

    /// Creates the transport.
    public init(timeout: TimeInterval = 30) { self.timeout = timeout }

    /// Sends `request` with a fresh ephemeral session.
    public func send(_ request: HTTPRequest) async throws -> (status: Int, body: Data) {
        var call = URLRequest(url: request.url, timeoutInterval: timeout)
        call.httpMethod = request.method
        for (name, value) in request.headers { call.setValue(value, forHTTPHeaderField: name) }
        call.httpBody = request.body
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: call)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
