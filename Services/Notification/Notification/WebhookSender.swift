import CreditModel
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The webhook channel: one signed HTTP POST per attempt, with a timeout, classified for
/// retry. 2xx is delivered; 5xx, 429, a timeout or a connection error may be retried; any
/// other status (another 4xx, a 3xx: redirects are not followed) fails permanently.
///
/// The timeout is enforced here, by a timer on a dispatch queue: Foundation's URLSession on
/// Linux truncates its own timeouts to whole seconds (0.4 s becomes an immediate timeout), so
/// it is given a whole-second ceiling above `timeout` only as a backstop.
///
/// The call never lets Swift task cancellation reach URLSession: on Linux a task cancelled
/// inside `URLSession.data(for:)` while its response completes can deadlock
/// FoundationNetworking on both cooperative threads (the cancel holds the task's status lock
/// and waits on the session's queue; the completion waits for that lock). The request runs
/// with a completion handler instead, and the timer cancels it from its own queue.
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
        do {
            let status = try await Self.perform(request, backstop: backstop, timeout: timeout).get()
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

    /// Runs `request` on a session of its own; the first of its completion and `timeout`
    /// decides the result. Neither path runs on, or holds a lock of, the cooperative pool.
    private static func perform(_ request: URLRequest, backstop: TimeInterval, timeout: Duration) async -> Result<Int?, any Error> {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = backstop
        configuration.timeoutIntervalForResource = backstop
        let session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
        return await withCheckedContinuation { continuation in
            let first = FirstOutcome(continuation)
            let task = session.dataTask(with: request) { _, response, error in
                if let error {
                    first.resume(with: .failure(error))
                } else {
                    first.resume(with: .success((response as? HTTPURLResponse)?.statusCode))
                }
                session.finishTasksAndInvalidate()
            }
            task.resume()
            timerQueue.asyncAfter(deadline: .now() + timeout.timeInterval) {
                if first.resume(with: .failure(URLError(.timedOut))) {
                    session.invalidateAndCancel()
                }
            }
        }
    }

    /// The queue the timeouts fire on, away from the cooperative pool.
    private static let timerQueue = DispatchQueue(label: "notification.webhook-timeouts")
}

/// Resumes a continuation once: with whichever of the response and the timeout comes first.
private final class FirstOutcome: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<Int?, any Error>, Never>?>

    init(_ continuation: CheckedContinuation<Result<Int?, any Error>, Never>) {
        self.continuation = Mutex(continuation)
    }

    /// Resumes with `result` unless something resumed first; says whether this call did.
    @discardableResult
    func resume(with result: Result<Int?, any Error>) -> Bool {
        guard let continuation = self.continuation.withLock({ pending in
            defer { pending = nil }
            return pending
        }) else { return false }
        continuation.resume(returning: result)
        return true
    }
}
