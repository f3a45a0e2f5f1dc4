import CreditModel
import Foundation

/// What the demo said and showed, in order: printed as it happens for a terminal, or kept
/// and printed as one JSON document (`--json`) for scripts.
public actor DemoTranscript {
    /// What an entry is.
    public enum Kind: String, Codable, Sendable {
        /// A heading (a story or a part begins).
        case heading
        /// Narration: what the article says, what happens now.
        case say
        /// An action against the stack (a request, a clock advance).
        case step
        /// A wait for the stack, and how it ended.
        case wait
        /// A service's answer, as a table (and its JSON).
        case output
        /// An expected outcome that was seen.
        case check
    }

    /// One entry.
    public struct Entry: Codable, Sendable {
        /// The story it belongs to (nil for the run's own entries).
        public var story: String?
        /// What it is.
        public var kind: Kind
        /// The text (a rendered table for outputs).
        public var text: String
        /// The service's JSON for outputs.
        public var data: JSONValue?
    }

    private let printsLive: Bool
    private let write: @Sendable (String) -> Void
    /// Everything recorded so far.
    public private(set) var entries: [Entry] = []

    /// A transcript that prints each entry at once (`live`) through `write`, or only keeps them.
    public init(live: Bool, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        printsLive = live
        self.write = write
    }

    /// Records an entry and prints it when live.
    public func record(_ entry: Entry) {
        entries.append(entry)
        guard printsLive else { return }
        write(Self.render(entry))
    }

    /// The terminal form of an entry.
    public static func render(_ entry: Entry) -> String {
        switch entry.kind {
        case .heading: "\n== \(entry.text) =="
        case .say: indent(entry.text, by: "  ")
        case .step: "  > " + entry.text
        case .wait: "  … " + entry.text
        case .check: "  ✓ " + entry.text
        case .output: indent(entry.text, by: "      ")
        }
    }

    private static func indent(_ text: String, by prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
    }
}
