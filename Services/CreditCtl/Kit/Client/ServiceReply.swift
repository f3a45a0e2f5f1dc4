import Foundation

/// A service's 2xx answer: the decoded value, and the body as received (which `--json`
/// prints unchanged, so scripts see exactly the service's JSON).
public struct ServiceReply<Value: Sendable>: Sendable {
    /// The decoded answer.
    public var value: Value
    /// The body as received.
    public var body: Data
    /// The HTTP status.
    public var status: Int

    /// Creates a reply.
    public init(value: Value, body: Data, status: Int) {
        self.value = value
        self.body = body
        self.status = status
    }
}
