import KafkaClient
import PostgresClient

/// Whether an error is transient (retry the same work later) or permanent (the input or the
/// code is at fault; retrying cannot help). Each wrapper's error type says so itself; a
/// handler may throw any error conforming to `TransientError` to ask for a retry.
public enum Retriable {
    /// True when running the same work again may succeed.
    public static func isRetriable(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresError: error.isRetriable
        case let error as KafkaError: error.isRetriable && !error.isFatal
        case is any TransientError: true
        default: false
        }
    }
}

/// Marks a handler's own error as transient: the batch is retried with backoff and its offsets
/// are not advanced.
public protocol TransientError: Error {}
