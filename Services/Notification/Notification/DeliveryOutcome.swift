/// The result of one delivery attempt.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The channel accepted the notice.
    case delivered
    /// It may work later (5xx, 429, timeout, connection error, disk error): retry with backoff
    /// while the retry budget lasts.
    case retryable(String)
    /// It cannot work (another 4xx, no channel, unusable request): fail now.
    case permanent(String)
}
