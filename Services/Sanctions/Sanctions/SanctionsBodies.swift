import CreditModel
import Foundation

/// The body of `POST /v1/cases/{id}/appeal`.
public struct AppealBody: Codable, Sendable {
    /// The code from the notice.
    public var appealCode: String?
    /// What the subject wants the officer to know.
    public var statement: String?

    enum CodingKeys: String, CodingKey {
        case appealCode = "appeal_code"
        case statement
    }
}

/// The body of `POST /v1/cases/{id}/review`.
public struct ReviewBody: Codable, Sendable {
    /// `upheld` or `overturned`.
    public var outcome: String?
    /// The officer's reasons (told to the subject).
    public var reason: String?
}

/// The answer to an appeal or review: the case's state and dates.
public struct CaseStateBody: Codable, Sendable {
    /// The case.
    public var caseID: String
    /// Its state now.
    public var state: CaseState
    /// The end of the appeal window, if the notice was delivered.
    public var appealDeadline: Date?

    init(record: SanctionCase) {
        caseID = record.id
        state = record.state
        appealDeadline = record.appealDeadline
    }

    enum CodingKeys: String, CodingKey {
        case caseID = "case_id"
        case state
        case appealDeadline = "appeal_deadline"
    }
}

/// The body of `GET /v1/subjects/{code}/cases`: every case with its transitions, and every
/// list lookup that concerned the subject (who looked and why).
public struct CasesBody: Codable, Sendable {
    /// One case with its history.
    public struct Item: Codable, Sendable {
        /// The case.
        public var record: SanctionCase
        /// Its transitions, in order.
        public var transitions: [CaseTransition]

        /// Encodes the case's fields flat, plus `transitions`.
        public func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(transitions, forKey: .transitions)
        }

        /// Decodes the flat form.
        public init(from decoder: any Decoder) throws {
            record = try SanctionCase(from: decoder)
            transitions = try decoder.container(keyedBy: Keys.self).decode([CaseTransition].self, forKey: .transitions)
        }

        init(record: SanctionCase, transitions: [CaseTransition]) {
            self.record = record
            self.transitions = transitions
        }

        enum Keys: String, CodingKey { case transitions }
    }

    /// The subject code.
    public var subject: String
    /// The cases, oldest first.
    public var cases: [Item]
    /// The list lookups about the subject, oldest first.
    public var listLookups: [ListLookup]

    enum CodingKeys: String, CodingKey {
        case subject, cases
        case listLookups = "list_lookups"
    }
}

/// The body of a list lookup: the whole list, or one subject's entry.
public struct ListBody: Codable, Sendable {
    /// One listed subject.
    public struct Entry: Codable, Sendable {
        /// The subject code.
        public var subject: String
        /// The case that lists it.
        public var caseID: String
        /// The policy, `id@version`.
        public var policy: String
        /// Listed since.
        public var since: Date?

        enum CodingKeys: String, CodingKey {
            case subject
            case caseID = "case_id"
            case policy, since
        }
    }

    /// `blacklist` or `redlist`.
    public var list: String
    /// The subject asked about (single lookups).
    public var subject: String?
    /// Whether it is listed (single lookups).
    public var listed: Bool?
    /// The listed subjects.
    public var entries: [Entry]
}
