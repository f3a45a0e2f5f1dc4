import Synchronization

/// A wake-up signal between tasks: `ring()` wakes the one waiter, or the next `wait` if none
/// is waiting. Used so the outbox publisher runs right after a consumer commits instead of on
/// its next timer tick.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or remembers the ring for the next `wait`.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a ring (one that came while nobody waited counts), or at once when the task
    /// is cancelled: a waiter that ignored cancellation would keep a cancelled publisher from
    /// ever returning. One continuation and no timer: a timeout per wait cost two child tasks
    /// and a timer, several thread wake-ups for every batch a consumer commits; the owner rings
    /// periodically instead when it needs to look around anyway.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
