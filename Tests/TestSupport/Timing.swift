import Synchronization

/// Runs `body` in a task and reports whether it finished within `bound`. A body that hangs is
/// left suspended rather than awaited, so that a test fails instead of hanging (use it for
/// shutdown paths that must end).
public func finishes(within bound: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    let flag = FinishedFlag()
    Task {
        await body()
        flag.set()
    }
    let end = ContinuousClock.now + bound
    while ContinuousClock.now < end {
        if flag.isSet { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return flag.isSet
}

/// A flag set once from another task.
private final class FinishedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
