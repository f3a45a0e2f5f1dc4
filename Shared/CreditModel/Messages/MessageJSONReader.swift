import Foundation

/// A message that reads itself from a parsed `JSONValue` (the hand-written parser, several
/// times faster than `JSONDecoder` on Linux): the case messages, and `EventSource` inside an
/// accepted event. `MessageCoding.decode` tries it first; a nil (anything unexpected) falls
/// back to `Decodable`, so errors stay `DecodingError`s and no input is accepted that
/// `Decodable` would refuse. The hot consumed messages scan their bytes instead
/// (`MessageJSONScannable`).
public protocol MessageJSONReadable {
    /// The message in `json`, or nil when `json` is not exactly a valid one.
    init?(json: JSONValue)
}

/// Typed access to a parsed object's members for `MessageJSONReadable`: nil means missing or of
/// the wrong type; optional members are `.some(nil)` when missing or null.
struct MessageJSONObject {
    let members: [String: JSONValue]

    init?(_ value: JSONValue) {
        guard case .object(let members) = value else { return nil }
        self.members = members
    }

    func string(_ key: String) -> String? {
        guard case .string(let text)? = members[key] else { return nil }
        return text
    }

    func optionalString(_ key: String) -> String?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return .some(text)
        default: return nil
        }
    }

    func optionalInt(_ key: String) -> Int64?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case .int(let number)?: return .some(number)
        default: return nil
        }
    }

    func date(_ key: String) -> Date? {
        string(key).flatMap(RFC3339.parse)
    }

    func optionalDate(_ key: String) -> Date?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case .string(let text)?: return RFC3339.parse(text).map { .some($0) }
        default: return nil
        }
    }

    func strings(_ key: String) -> [String]? { members[key]?.stringsValue }

    func subject(_ key: String) -> SubjectCode? {
        string(key).flatMap { try? SubjectCode(validating: $0) }
    }
}
