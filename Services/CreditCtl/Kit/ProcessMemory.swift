import Foundation

/// Memory of a process from Linux `/proc/<pid>/status`.
public struct ProcessMemory: Codable, Sendable, Hashable {
    /// Resident set size now (`VmRSS`), bytes.
    public var rssBytes: Int
    /// Peak resident set size (`VmHWM`), bytes.
    public var peakRSSBytes: Int

    /// Creates a reading.
    public init(rssBytes: Int, peakRSSBytes: Int) {
        self.rssBytes = rssBytes
        self.peakRSSBytes = peakRSSBytes
    }

    /// Reads process `pid`, or nil when it is gone or the file is unreadable.
    public static func read(pid: Int32) -> ProcessMemory? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return parse(status: text)
    }

    /// Parses the text of a `/proc/<pid>/status` file (`VmRSS:   1234 kB`).
    public static func parse(status text: String) -> ProcessMemory? {
        func kilobytes(_ field: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        guard let rss = kilobytes("VmRSS") else { return nil }
        return ProcessMemory(rssBytes: rss * 1024, peakRSSBytes: (kilobytes("VmHWM") ?? rss) * 1024)
    }

    /// The command line of process `pid` (`/proc/<pid>/cmdline`, arguments joined by spaces), or
    /// nil when it is gone. A PostgreSQL server process shows its title there.
    public static func commandLine(pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}
