import Pipeline

/// How the delivery worker paces and retries.
public struct DeliveryPolicy: Sendable {
    /// Attempts per notice, the first included, before it fails permanently (the retry budget).
    public var maxAttempts: Int = 8
    /// Delay before each retry: exponential with jitter (`Backoff.delay(attempt:)`).
    public var backoff = Backoff(initial: .seconds(1), maximum: .seconds(300))
    /// Most notices delivered at once.
    public var concurrency: Int = 16
    /// How long a claimed notice is hidden from other workers; must exceed one attempt's
    /// timeout. A worker that dies mid-attempt leaves the notice to be retried after it.
    public var lease: Duration = .seconds(60)
    /// How often the worker looks for due notices when it has nothing to do.
    public var pollInterval: Duration = .milliseconds(250)

    /// The default policy.
    public init() {}
}
