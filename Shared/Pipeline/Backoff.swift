/// Exponential backoff with jitter (each delay is random in the upper half of its cap), for retrying transient failures (database restarting,
/// broker unreachable) without hammering the thing that is already in trouble.
public struct Backoff: Sendable {
    /// First delay.
    public var initial: Duration
    /// Upper bound of any delay.
    public var maximum: Duration

    /// Creates a backoff policy; 50 ms doubling up to 5 s by default.
    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before retry number `attempt` (0-based): a random duration up to
    /// `min(maximum, initial * 2^attempt)`.
    public func delay(attempt: Int) -> Duration {
        let cap = min(maximum, initial * (1 << min(attempt, 20)))
        let millis = max(1, Int64(cap / .milliseconds(1)))
        return .milliseconds(Int64.random(in: millis / 2...millis))
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating), for metrics timers.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
