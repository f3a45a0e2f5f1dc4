import Foundation

/// The progress of a long send on the terminal: a bar redrawn in place on a TTY, plain
/// periodic lines otherwise (logs, CI), and a final summary.
public struct ProgressLine: Sendable {
    /// Whether to redraw one line in place (stdout is a terminal).
    public let interactive: Bool
    /// Total items expected.
    public let total: Int
    /// What is counted, e.g. `events`.
    public let unit: String
    /// How often a non-interactive line is printed.
    public let lineInterval: Duration
    private let started: ContinuousClock.Instant
    private var lastPrinted: ContinuousClock.Instant?

    /// A progress line for `total` `unit`s; interactive when stdout is a terminal.
    public init(total: Int, unit: String = "events", interactive: Bool = isatty(STDOUT_FILENO) == 1,
                lineInterval: Duration = .seconds(5), started: ContinuousClock.Instant = .now) {
        self.total = total
        self.unit = unit
        self.interactive = interactive
        self.lineInterval = lineInterval
        self.started = started
    }

    /// Reports `done` items at `now`: redraws the bar (at most every 100 ms) or prints a line
    /// every `lineInterval`.
    public mutating func update(done: Int, now: ContinuousClock.Instant = .now) {
        let interval = interactive ? Duration.milliseconds(100) : lineInterval
        if let lastPrinted, now - lastPrinted < interval, done < total { return }
        lastPrinted = now
        let text = Self.render(done: done, total: total, elapsed: (now - started).seconds, unit: unit,
                               bar: interactive)
        print(interactive ? "\r" + text + "\u{1B}[K" : text, terminator: interactive ? "" : "\n")
        fflush(nil)  // after print, so lines keep their order with the summary
    }

    /// Ends the bar's line (interactive) so that the summary starts on its own.
    public func finish() {
        if interactive {
            print("")
            fflush(nil)  // after print, so lines keep their order with the summary
        }
    }

    /// `[#########.........]  45.0% 90000/200000 events  2512/s  ETA 0:44` (with `bar`), or the
    /// same without the bar.
    public static func render(done: Int, total: Int, elapsed: Double, unit: String, bar: Bool) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .infinity
        var parts: [String] = []
        if bar {
            let width = 30, filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
        }
        parts.append(String(format: "%5.1f%%", fraction * 100))
        parts.append("\(done)/\(total) \(unit)")
        parts.append("\(Int(rate.rounded()))/s")
        parts.append("ETA " + clock(eta))
        return parts.joined(separator: "  ")
    }

    /// `m:ss` (or `h:mm:ss`), `-` for an unknown time.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
