/// The statements one connection has prepared, by SQL text and parameter types, so that a
/// statement run again skips the server's parse and plan (the per-message statements of the
/// sanctions engine cost more to parse and plan than to run). Bounded: past `limit` distinct
/// statements, further ones run unprepared, as before (services use a few dozen; tests with a
/// schema each may use more). Forgotten with the session on reconnect.
struct PreparedStatements {
    /// A statement's identity: the same text with other parameter types is another statement.
    struct Key: Hashable {
        var sql: String
        var types: [UInt32]
    }

    /// The most statements kept per connection.
    static let limit = 256
    private var names: [Key: String] = [:]

    /// The name `key` was prepared under, if it was.
    func name(for key: Key) -> String? { names[key] }

    /// A fresh name for `key`, or nil when the cache is full.
    mutating func reserveName(for key: Key) -> String? {
        guard names.count < Self.limit else { return nil }
        return "s\(names.count + 1)"
    }

    /// Records that `key` is prepared under `name`.
    mutating func add(_ key: Key, name: String) { names[key] = name }

    /// Forgets every statement (the session ended).
    mutating func removeAll() { names.removeAll() }
}
