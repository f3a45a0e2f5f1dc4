import CreditModel
import Foundation

/// Bearer tokens of one role (officers, enforcers), held only as SHA-256 hashes with the
/// name each identifies (the name is what case transitions and list lookups record).
public struct Credentials: Sendable, Hashable {
    private var names: [String: String]

    /// Credentials from `name → token`; the tokens are hashed at once.
    public init(tokens: [String: String] = [:]) {
        names = Dictionary(tokens.map { (Self.hash($0.value), $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses `name:token,name:token` (a bare `token` is named `defaultName`).
    public init(list: String, defaultName: String) throws(CredentialsError) {
        self.init(tokens: try Self.parse(list: list, defaultName: defaultName))
    }

    /// `name → token` from `name:token,name:token` (a bare `token` is named `defaultName`).
    public static func parse(list: String, defaultName: String) throws(CredentialsError) -> [String: String] {
        var tokens: [String: String] = [:]
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            let (name, token) = parts.count == 2 ? (parts[0], parts[1]) : (defaultName, parts[0])
            guard !name.isEmpty, token.count >= 8 else { throw CredentialsError(item: name) }
            tokens[name] = token
        }
        return tokens
    }

    /// Whether no token is configured (every request is refused).
    public var isEmpty: Bool { names.isEmpty }

    /// The name `token` identifies, or nil.
    public func identify(_ token: String) -> String? { names[Self.hash(token)] }

    /// The name identified by an `Authorization: Bearer <token>` header value, or nil.
    public func identify(authorization: String?) -> String? {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else { return nil }
        return identify(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    private static func hash(_ token: String) -> String { SHA256.hex(Array(token.utf8)) }
}

/// A token list entry that cannot be used (tokens need at least 8 characters).
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    /// The entry's name.
    public let item: String
    /// A plain-language description.
    public var description: String { "token entry '\(item)' is malformed or shorter than 8 characters" }
}
