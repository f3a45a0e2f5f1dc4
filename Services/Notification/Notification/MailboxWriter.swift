import CreditModel
import Foundation

/// The mailbox channel: appends each letter as plain text to `<directory>/<subject>.txt`,
/// one file per subject, letters separated by a rule line. The directory is created on first
/// use. A crash between the append and recording the delivery appends the letter once more
/// on the next attempt; each letter names its notice id so a reader can tell.
public enum MailboxWriter {
    /// The line that starts every letter in a mailbox file.
    public static let separator = String(repeating: "=", count: 72)

    /// The file holding `subject`'s letters in `directory`.
    public static func file(for subject: SubjectCode, in directory: URL) -> URL {
        directory.appendingPathComponent("\(subject.rawValue).txt")
    }

    /// The queue that does the file work (including the fsync), off the cooperative pool.
    private static let queue = DispatchQueue(label: "mailbox-writer")

    /// Appends `letter` on the writer's own queue and resumes with the outcome.
    public static func appendInBackground(_ letter: String, for subject: SubjectCode, in directory: URL) async -> DeliveryOutcome {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: append(letter, for: subject, in: directory)) }
        }
    }

    /// Appends `letter` to the subject's file, blocking until it is on disk; a disk error is
    /// retryable.
    public static func append(_ letter: String, for subject: SubjectCode, in directory: URL) -> DeliveryOutcome {
        let url = file(for: subject, in: directory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            let text = separator + "\n" + letter + (letter.hasSuffix("\n") ? "" : "\n")
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
            return .delivered
        } catch {
            return .retryable("mailbox write failed: \(error)")
        }
    }
}
