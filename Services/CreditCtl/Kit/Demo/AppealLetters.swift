import Foundation

/// Reads sanction notices from the notification service's mailbox (`<dir>/<subject>.txt`,
/// letters separated by a rule line): the appeal code travels only in the notice, so a
/// subject, and the demo, takes it from there.
public enum AppealLetters {
    /// The letters in a mailbox file's text, oldest first.
    public static func letters(in text: String) -> [String] {
        let rule = String(repeating: "=", count: 72)
        var letters: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == rule {
                if !current.isEmpty { letters.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if current.contains(where: { !$0.isEmpty }) { letters.append(current.joined(separator: "\n")) }
        return letters.map { $0.trimmingCharacters(in: .newlines) }
    }

    /// The sanction notice about `caseID` among `letters` (the last, if it was written twice).
    public static func notice(for caseID: String, in letters: [String]) -> String? {
        letters.last { $0.contains("Case: \(caseID)") && $0.contains("appeal code") }
    }

    /// The appeal code a notice quotes (`K7Q2M-XW9PA`), if any: the first well-formed code after
    /// a mention of "appeal code" (punctuation around it ignored).
    public static func appealCode(in letter: String) -> String? {
        var rest = letter[...]
        while let range = rest.range(of: "appeal code") {
            rest = rest[range.upperBound...]
            let word = rest.split(whereSeparator: { $0.isWhitespace }).first?.trimmingCharacters(in: .punctuationCharacters.subtracting(["-"]))
            if let word, isCode(word) { return word }
        }
        return nil
    }

    private static func isCode(_ word: String) -> Bool {
        let parts = word.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.count == 5 && $0.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } }
    }

    /// The mailbox file of `subject` in `directory`.
    public static func file(subject: String, directory: String) -> URL {
        URL(fileURLWithPath: directory).appendingPathComponent("\(subject).txt")
    }
}
