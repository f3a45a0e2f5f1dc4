import CreditModel
import Foundation

/// The mailbox channel: appends each letter as plain text to `<directory>/<subject>.txt`,
/// one file per subject, letters separated by a rule line. The directory is created on first
/// use. A crash between the append and recording the delivery appends the letter once more
/// on the next attempt; each letter names its notice id so a reader can tell.
public enum MailboxWriter {
    /// The line that starts every letter in a mailbox file.
    public static let separator = String(repeating: "=", count: 72)

    /// One letter for one subject's file.
    public struct Letter: Sendable {
        /// The letter's text.
        public var text: String
        /// Whose file takes it.
        public var subject: SubjectCode

        /// The letter `text` for `subject`.
        public init(_ text: String, for subject: SubjectCode) {
            self.text = text
            self.subject = subject
        }
    }

    /// The file holding `subject`'s letters in `directory`.
    public static func file(for subject: SubjectCode, in directory: URL) -> URL {
        directory.appendingPathComponent("\(subject.rawValue).txt")
    }

    /// The queue that does the file work (including the fsyncs), off the cooperative pool.
    private static let queue = DispatchQueue(label: "mailbox-writer")

    /// Appends a delivery round's `letters` on the writer's own queue and resumes with each
    /// one's outcome, in order: one hand-over to the queue and back for the round, where one per
    /// letter made about ten thread switches per notice (103 per consumer batch of ten).
    public static func appendInBackground(_ letters: [Letter], in directory: URL) async -> [DeliveryOutcome] {
        guard !letters.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: append(letters, in: directory)) }
        }
    }

    /// Appends `letter` to the subject's file, blocking until it is on disk; a disk error is
    /// retryable.
    public static func append(_ letter: String, for subject: SubjectCode, in directory: URL) -> DeliveryOutcome {
        append([Letter(letter, for: subject)], in: directory)[0]
    }

    /// Appends each letter to its subject's file, in order, and returns once they are on disk:
    /// every letter is written first, then each file is flushed (`fsync`), then the directory
    /// when the round created a file in it, since a new file's name is durable only with its
    /// directory. A letter whose write or flush fails is retryable; the others are delivered.
    /// Plain POSIX calls: the FileManager/FileHandle path made two `stat`s, a seek and several
    /// allocations per letter, and the mailbox was a fifth of notification's CPU in a profile.
    public static func append(_ letters: [Letter], in directory: URL) -> [DeliveryOutcome] {
        var outcomes: [DeliveryOutcome] = []
        var files: [(descriptor: Int32, path: String)?] = []  // one per letter; nil when it could not be opened
        var created = false
        defer { for case let opened? in files { close(opened.descriptor) } }
        for letter in letters {
            let path = file(for: letter.subject, in: directory).path
            switch openForAppend(path, directory: directory) {
            case .failed(let reason):
                outcomes.append(.retryable(reason))
                files.append(nil)
            case .opened(let descriptor, let isNew):
                created = created || isNew
                files.append((descriptor, path))
                let text = separator + "\n" + letter.text + (letter.text.hasSuffix("\n") ? "" : "\n")
                outcomes.append(write(text, to: descriptor, path: path))
            }
        }
        for (index, opened) in files.enumerated() where outcomes[index] == .delivered {
            if let opened, fsync(opened.descriptor) != 0 { outcomes[index] = .retryable(failure("fsync", opened.path)) }
        }
        if created, let reason = flushDirectory(directory) {
            outcomes = outcomes.map { $0 == .delivered ? .retryable(reason) : $0 }
        }
        return outcomes
    }

    /// A file opened for appending, or why it could not be.
    private enum OpenedFile {
        case opened(Int32, isNew: Bool)
        case failed(String)
    }

    /// Opens `path` for appending, creating it (and `directory`) when missing.
    private static func openForAppend(_ path: String, directory: URL) -> OpenedFile {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if descriptor >= 0 { return .opened(descriptor, isNew: false) }
        guard errno == ENOENT else { return .failed(failure("open", path)) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            return .failed("mailbox write failed: cannot create \(directory.path): \(error)")
        }
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        return fresh >= 0 ? .opened(fresh, isNew: true) : .failed(failure("open", path))
    }

    /// Writes all of `text`, retrying short and interrupted writes.
    private static func write(_ text: String, to descriptor: Int32, path: String) -> DeliveryOutcome {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return .retryable(failure("write", path))
            }
            bytes = bytes.dropFirst(written)
        }
        return .delivered
    }

    /// Flushes `directory`'s entries to disk; the reason when it cannot.
    private static func flushDirectory(_ directory: URL) -> String? {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return failure("open", directory.path) }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? nil : failure("fsync", directory.path)
    }

    /// Why `call` on `path` failed, from `errno`.
    private static func failure(_ call: String, _ path: String) -> String {
        "mailbox write failed: \(call) \(path): \(String(cString: strerror(errno)))"
    }
}
