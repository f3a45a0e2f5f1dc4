import Foundation
import ServiceSupport

/// The embedded stack's shared business clock (DESIGN §7), as `creditctl clock` moves it:
/// an offset in a file that every service reads. The demo reads it to date its events in
/// business time and advances it once to close the appeal windows.
public struct DevClock: Sendable {
    /// The offset file.
    public let file: URL

    /// The clock of `stack` (its `clock` entry, else `.run/clock`).
    public init(stack: StackFile) {
        file = URL(fileURLWithPath: stack.clock ?? ".run/clock")
    }

    /// The clock whose offset is in `file`.
    public init(file: URL) { self.file = file }

    /// Seconds the business clock is ahead of the wall clock.
    public var offset: TimeInterval { SharedOffsetClock.readOffset(file) }

    /// Business time now.
    public func now() -> Date { Date().addingTimeInterval(offset) }

    /// Moves business time forward by `seconds` for the whole stack; returns the new offset.
    @discardableResult
    public func advance(by seconds: TimeInterval) throws -> TimeInterval {
        try SharedOffsetClock.advance(file, by: seconds)
    }

    /// `11d`, `36h` or `90s` for an offset.
    public static func describe(_ seconds: TimeInterval) -> String {
        let days = seconds / 86_400
        if days.rounded() == days { return "\(Int(days))d" }
        let hours = seconds / 3_600
        return hours.rounded() == hours ? "\(Int(hours))h" : "\(Int(seconds.rounded()))s"
    }
}
