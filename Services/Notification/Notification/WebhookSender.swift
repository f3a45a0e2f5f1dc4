import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The webhook channel: one signed HTTP POST per attempt, with a timeout, classified for
/// retry. 2xx is delivered; 5xx, 429, a timeout or a connection error may be retried; any
/// other status (another 4xx, a 3xx: redirects are not followed) fails permanently.
///
/// The timeout is enforced here, by racing the call against a timer: Foundation's URLSession
/// on Linux truncates its own timeouts to whole seconds (0.4 s becomes an immediate timeout),
/// so it is given a whole-second ceiling above `timeout` only as a backstop.
public struct WebhookSender: Sendable {
    /// How long one attempt may take before it counts as a timeout.
    public let timeout: Duration

    /// A sender whose attempts time out after `timeout`.
    public init(timeout: Duration) { self.timeout = timeout }

    /// POSTs `body` (JSON) to `endpoint` with the `X-Signature` header and the request id in
    /// `X-Request-Id`, and classifies the result.
    public func send(_ body: Data, requestID: String, to endpoint: WebhookEndpoint) async -> DeliveryOutcome {
        let backstop = (timeout.timeInterval + 1).rounded(.up)
        var request = URLRequest(url: endpoint.url, timeoutInterval: backstop)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(WebhookSignature.header(body: body, secret: endpoint.secret), forHTTPHeaderField: WebhookSignature.headerName)
        request.setValue(requestID, forHTTPHeaderField: "X-Request-Id")
        let call = request
        do {
            let status = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask {
                    let configuration = URLSessionConfiguration.ephemeral
                    configuration.timeoutIntervalForRequest = backstop
                    configuration.timeoutIntervalForResource = backstop
                    let session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
                    defer { session.invalidateAndCancel() }
                    let (_, response) = try await session.data(for: call)
                    return (response as? HTTPURLResponse)?.statusCode
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw URLError(.timedOut)
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let status else {
                return .retryable("webhook answered without an HTTP status")
            }
            return Self.classify(status: status)
        } catch let error as URLError {
            switch error.code {
            case .badURL, .unsupportedURL:
                return .permanent("webhook URL unusable: \(error.localizedDescription)")
            case .timedOut:
                return .retryable("webhook timed out after \(timeout)")
            default:
                return .retryable("webhook connection failed: \(error.code.rawValue) \(error.localizedDescription)")
            }
        } catch {
            return .retryable("webhook call failed: \(error)")
        }
    }

    /// The outcome an HTTP status means.
    public static func classify(status: Int) -> DeliveryOutcome {
        switch status {
        case 200..<300: .delivered
        case 429, 500..<600: .retryable("webhook answered HTTP \(status)")
        default: .permanent("webhook answered HTTP \(status)")
        }
    }
}
