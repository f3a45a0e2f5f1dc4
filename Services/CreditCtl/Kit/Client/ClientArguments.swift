import CreditModel
import Foundation

/// An officer's decision on an appeal, as the review route names it.
public enum ReviewOutcome: String, Sendable, Hashable, CaseIterable {
    /// The sanction stands: the case becomes active.
    case upheld
    /// The sanction is dropped: the case is withdrawn.
    case overturned

    /// Reads `uphold`/`upheld` or `overturn`/`overturned` (any case).
    public init?(argument: String) {
        switch argument.lowercased() {
        case "uphold", "upheld": self = .upheld
        case "overturn", "overturned": self = .overturned
        default: return nil
        }
    }
}

/// The public lists.
public enum PublicList: String, Sendable, Hashable, CaseIterable {
    /// Subjects with an active `list.public_blacklist`.
    case blacklist
    /// Subjects with an active `list.public_redlist`.
    case redlist
}

/// Checks of command-line arguments that the services would otherwise refuse with a less
/// helpful message (or that never reach a service).
public enum ClientArguments {
    /// A valid subject code (GB 11643 or GB 32100), or a message saying what is wrong.
    public static func subject(_ text: String) throws -> SubjectCode {
        do {
            return try SubjectCode(validating: text.trimmingCharacters(in: .whitespaces))
        } catch {
            throw ArgumentError("'\(text)' is not a subject code: \(error)")
        }
    }

    /// An RFC 3339 instant, or a date `YYYY-MM-DD` (its start, UTC), normalised to RFC 3339.
    public static func instant(_ text: String) throws -> String {
        if let date = RFC3339.parse(text) { return RFC3339.format(date) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        if text.count == 10, parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2],
           let date = CivilDate(year: year, month: month, day: day) {
            return RFC3339.format(date.startDate)
        }
        throw ArgumentError("'\(text)' is not a time: use RFC 3339 (2026-11-20T09:30:00Z) or a date (2026-11-20)")
    }

    /// A non-blank text of at most `limit` characters, trimmed.
    public static func text(_ text: String, name: String, limit: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ArgumentError("\(name) must not be empty") }
        guard trimmed.count <= limit else { throw ArgumentError("\(name) may be at most \(limit) characters") }
        return trimmed
    }

    /// A review decision (`uphold` or `overturn`).
    public static func outcome(_ text: String) throws -> ReviewOutcome {
        guard let outcome = ReviewOutcome(argument: text) else {
            throw ArgumentError("'\(text)' is not a decision: use uphold or overturn")
        }
        return outcome
    }

    /// A list name (`blacklist` or `redlist`).
    public static func list(_ text: String) throws -> PublicList {
        guard let list = PublicList(rawValue: text.lowercased()) else {
            throw ArgumentError("'\(text)' is not a list: use blacklist or redlist")
        }
        return list
    }

    /// An agency id of the topic form (`[a-z0-9-]+`).
    public static func agency(_ text: String) throws -> String {
        guard RoutedEvent.isAgencyID(text) else {
            throw ArgumentError("'\(text)' is not an agency id (lowercase letters, digits and '-')")
        }
        return text
    }
}

/// A command-line argument that cannot be used, with what to do instead.
public struct ArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The explanation.
    public var message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    /// The explanation.
    public var description: String { message }
}
