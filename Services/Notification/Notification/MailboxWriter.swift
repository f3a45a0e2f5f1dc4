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
    /// retryable. Plain POSIX calls (open with `O_APPEND`, write, fsync, close): the
    /// FileManager/FileHandle path made two `stat`s, a seek and several allocations per letter,
    /// and the mailbox was a fifth of notification's CPU in a profile of the benchmark.
    public static func append(_ letter: String, for subject: SubjectCode, in directory: URL) -> DeliveryOutcome {
        let path = file(for: subject, in: directory).path
        let text = separator + "\n" + letter + (letter.hasSuffix("\n") ? "" : "\n")
        var descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                return .retryable("mailbox write failed: cannot create \(directory.path): \(error)")
            }
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else { return .retryable("mailbox write failed: open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return .retryable("mailbox write failed: write \(path): \(String(cString: strerror(errno)))")
            }
            bytes = bytes.dropFirst(written)
        }
        guard fsync(descriptor) == 0 else {
            return .retryable("mailbox write failed: fsync \(path): \(String(cString: strerror(errno)))")
        }
        return .delivered
    }
}
