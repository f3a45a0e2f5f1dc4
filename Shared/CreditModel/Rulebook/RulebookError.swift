/// Why a rulebook was refused: every problem found, each with the file and line it is on.
public struct RulebookError: Error, Sendable, CustomStringConvertible {
    /// One problem at one place.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The file (or label) the document came from.
        public var file: String
        /// The 1-based line of the offending node (0 when unknown, e.g. an empty document).
        public var line: Int
        /// What is wrong, in plain language.
        public var message: String

        /// Creates a problem.
        public init(file: String, line: Int, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }

        /// `file:line: message`.
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// The problems in document order.
    public var problems: [Problem]

    /// Creates the error.
    public init(problems: [Problem]) { self.problems = problems }

    /// One problem per line, `file:line: message`.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
