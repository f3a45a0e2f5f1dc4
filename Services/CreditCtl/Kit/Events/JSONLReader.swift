import CreditModel
import Foundation

/// Reads JSON Lines (one JSON object per line) as agencies write event files: every line is
/// either an object or an error that names its line number. Blank lines are skipped, a
/// trailing `\r` (CRLF files) is ignored; one bad line never hides the others.
public enum JSONLReader {
    /// One non-blank line: its 1-based number and the object, or why it is not one.
    public struct Line: Sendable, Hashable {
        /// The 1-based line number in the input.
        public var number: Int
        /// The object, or the problem.
        public var content: Result<[String: JSONValue], LineError>
    }

    /// Why a line is not a JSON object.
    public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line number.
        public var line: Int
        /// What is wrong with it.
        public var message: String

        /// Creates a line error.
        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        /// `line 3: ...`.
        public var description: String { "line \(line): \(message)" }
    }

    /// The lines of `data`, in order.
    public static func read(_ data: Data) -> [Line] {
        var lines: [Line] = []
        var number = 0
        for var raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if raw.last == 0x0D { raw = raw.dropLast() }
            guard raw.contains(where: { !isBlank($0) }) else { continue }
            lines.append(Line(number: number, content: parse(Data(raw), line: number)))
        }
        return lines
    }

    /// The lines of a file, or of standard input for `-`.
    public static func read(path: String) throws -> [Line] {
        if path == "-" { return read(FileHandle.standardInput.readDataToEndOfFile()) }
        do {
            return read(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InputError(path: path, reason: error.localizedDescription)
        }
    }

    /// An input file that cannot be read.
    public struct InputError: Error, Sendable, CustomStringConvertible {
        /// The path given.
        public var path: String
        /// Why it cannot be read.
        public var reason: String
        /// `cannot read <path>: <reason>`.
        public var description: String { "cannot read \(path): \(reason)" }
    }

    private static func parse(_ data: Data, line: Int) -> Result<[String: JSONValue], LineError> {
        do throws(MessageError) {
            guard case .object(let object) = try JSONValue.parse(data) else {
                return .failure(LineError(line: line, message: "not a JSON object (each line must be one event object)"))
            }
            return .success(object)
        } catch {
            return .failure(LineError(line: line, message: error.message))
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
}
