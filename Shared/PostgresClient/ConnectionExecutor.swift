import Dispatch

/// A serial executor backed by one private `DispatchQueue`, so that every libpq call for a
/// connection (many of them blocking) runs on that queue, never on Swift's small cooperative
/// thread pool, and never on two threads at once (a `PGconn` is not thread-safe).
final class ConnectionExecutor: SerialExecutor {
    /// The queue jobs run on.
    let queue: DispatchQueue

    /// An executor with a queue named `label`.
    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `job` on the queue.
    func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { unownedJob.runSynchronously(on: executor) }
    }

    /// This executor, unowned, for the actor's `unownedExecutor`.
    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets `assumeIsolated` work for code already running on the queue.
    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
