import CreditModel
import PostgresClient

/// The agencies' bearer tokens for `POST /v1/events`, kept only as SHA-256 hashes.
///
/// Token values come from configuration (`INGEST_AGENCY_TOKENS=court:secret1,jinan-dogs:secret2`
/// or a file named by `INGEST_AGENCY_TOKENS_FILE` with one `agency:token` per line). At start
/// their hashes replace those stored in `agency_tokens` (so a token removed from the
/// configuration is revoked), and every hash stored there is loaded; an instance started with no
/// tokens configured uses the stored ones. The plain tokens are never written anywhere.
public struct AgencyTokens: Sendable {
    private let agencyByHash: [String: String]

    /// Tokens mapping each hash (hex SHA-256) to its agency.
    public init(hashes: [String: String]) { agencyByHash = hashes }

    /// Hashes plain `agency -> token` pairs.
    public init(plain: [String: String]) {
        var hashes: [String: String] = [:]
        for (agency, token) in plain { hashes[Self.hash(token)] = agency }
        agencyByHash = hashes
    }

    /// The hex SHA-256 of a token, as stored.
    public static func hash(_ token: String) -> String { SHA256.hex(Array(token.utf8)) }

    /// The agency a presented token belongs to, or nil for an unknown token.
    public func agency(forToken token: String) -> String? { agencyByHash[Self.hash(token)] }

    /// Every (hash, agency) pair.
    public var entries: [(hash: String, agency: String)] { agencyByHash.map { ($0.key, $0.value) } }

    /// Parses `agency:token` pairs separated by commas or new lines; blank entries and `#`
    /// comments are skipped.
    public static func parse(_ text: String) throws(TokenConfigurationError) -> [String: String] {
        var tokens: [String: String] = [:]
        for raw in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            guard let colon = entry.firstIndex(of: ":") else {
                throw TokenConfigurationError(problem: "entry without ':' (expected agency:token)")
            }
            let agency = String(entry[..<colon]), token = String(entry[entry.index(after: colon)...])
            guard AgencyRegistry.isValidID(agency), !token.isEmpty else {
                throw TokenConfigurationError(problem: "bad entry for agency '\(agency)' (expected agency:token)")
            }
            tokens[agency] = token
        }
        return tokens
    }

    /// Replaces the stored hashes with these (for registered agencies) unless there are none,
    /// and returns every hash stored.
    public func store(schema: String, on connection: isolated PostgresConnection) throws -> AgencyTokens {
        let entries = entries
        if !entries.isEmpty {
            try connection.execute("""
                DELETE FROM \(identifier: schema).agency_tokens WHERE NOT (token_sha256 = ANY(\(entries.map(\.hash))::text[]))
                """)
            try connection.execute("""
                INSERT INTO \(identifier: schema).agency_tokens (token_sha256, agency)
                SELECT h, a FROM unnest(\(entries.map(\.hash))::text[], \(entries.map(\.agency))::text[]) AS x(h, a)
                WHERE a IN (SELECT id FROM \(identifier: schema).agencies)
                ON CONFLICT (token_sha256) DO UPDATE SET agency = EXCLUDED.agency
                """)
        }
        var hashes: [String: String] = [:]
        for row in try connection.query("SELECT token_sha256, agency FROM \(identifier: schema).agency_tokens") {
            hashes[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return AgencyTokens(hashes: hashes)
    }
}

/// A malformed token list in the configuration.
public struct TokenConfigurationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong (never the token itself).
    public let problem: String
    /// `agency tokens: <problem>`.
    public var description: String { "agency tokens: \(problem)" }
}
