import Foundation
import Synchronization

/// The one source of "now" for business time (DESIGN §7): received-at stamps, expiry, appeal
/// deadlines. Services never call `Date()` for these, so tests and the demo can move time on
/// (e.g. across the 10-day appeal window) instead of waiting.
public protocol WallClock: Sendable {
    /// The current business time.
    func now() -> Date
}

/// Real time; the only clock in production.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}
    /// `Date()`.
    public func now() -> Date { Date() }
}

/// A clock that tests set and advance by hand.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    /// Creates a clock showing `start`.
    public init(_ start: Date = Date()) { current = Mutex(start) }
    /// The time last set.
    public func now() -> Date { current.withLock { $0 } }
    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by interval: TimeInterval) { current.withLock { $0 += interval } }
    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}

/// The dev and test stack's shared clock: system time plus an offset kept in a file that
/// every process of the stack reads (`creditctl clock advance 11d` writes it). The file holds
/// the offset in seconds as text; a missing file means no offset. Enabled only in dev and test
/// mode (`CREDIT_DEV_CLOCK_FILE` set); production runs `SystemWallClock`.
public final class SharedOffsetClock: WallClock {
    /// The offset last read, shared with the reader thread, which stops when `stopped` is set.
    private final class Reading: Sendable {
        let offset: Mutex<TimeInterval>
        let stopped = Atomic<Bool>(false)
        init(_ offset: TimeInterval) { self.offset = Mutex(offset) }
    }

    /// The file holding the offset in seconds.
    public let file: URL
    private let reading: Reading

    /// Creates the clock over `file`: reads it now, then re-reads it every `refresh` on a
    /// thread of its own, so `now()` never touches the file system (it may run on the
    /// cooperative pool).
    public init(file: URL, refresh: Duration = .milliseconds(200)) {
        self.file = file
        let reading = Reading(Self.readOffset(file))
        self.reading = reading
        let pause = max(Double(refresh.components.seconds) + Double(refresh.components.attoseconds) / 1e18, 0.001)
        let thread = Thread {
            while !reading.stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: pause)
                let offset = Self.readOffset(file)
                reading.offset.withLock { $0 = offset }
            }
        }
        thread.name = "dev-clock"
        thread.start()
    }

    deinit { reading.stopped.store(true, ordering: .relaxed) }

    /// System time plus the offset last read.
    public func now() -> Date { Date().addingTimeInterval(reading.offset.withLock { $0 }) }

    /// The offset in `file`, or 0 when it is missing or unreadable.
    public static func readOffset(_ file: URL) -> TimeInterval {
        guard let data = try? Data(contentsOf: file),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              let seconds = TimeInterval(text), seconds.isFinite else { return 0 }
        return seconds
    }

    /// Adds `interval` to the offset in `file` (atomically replacing it) and returns the new offset.
    @discardableResult
    public static func advance(_ file: URL, by interval: TimeInterval) throws -> TimeInterval {
        let offset = readOffset(file) + interval
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("\(offset)\n".utf8).write(to: file, options: .atomic)
        return offset
    }

    /// The clock a service should use: the shared offset clock when `CREDIT_DEV_CLOCK_FILE` is
    /// set (dev and test mode), else the system clock.
    public static func fromEnvironment(_ env: EnvironmentReader = .init()) -> any WallClock {
        if let path = env.optionalString("CREDIT_DEV_CLOCK_FILE") { return SharedOffsetClock(file: URL(fileURLWithPath: path)) }
        return SystemWallClock()
    }
}
