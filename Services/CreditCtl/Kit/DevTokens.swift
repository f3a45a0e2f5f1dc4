import CreditModel
import Foundation

/// The embedded stack's dev credentials (`.run/tokens.json`): a random token per agency of the
/// registry, an officer and an enforcer token. Created once with mode 0600 and kept across
/// restarts so that clients keep working; an agency added to the registry later gets a token.
public enum DevTokens {
    /// Reads the tokens in `path`, creating the file (or adding missing agencies) as needed.
    public static func loadOrCreate(at path: String, registry: AgencyRegistry) throws(LauncherError) -> StackFile.Tokens {
        var tokens: StackFile.Tokens
        var changed = false
        if let data = FileManager.default.contents(atPath: path) {
            do {
                tokens = try JSONDecoder().decode(StackFile.Tokens.self, from: data)
            } catch {
                throw .file(path, "not a tokens file (delete it to create new tokens): \(error)")
            }
        } else {
            tokens = StackFile.Tokens(agencies: [:], officer: randomToken(), enforcer: randomToken())
            changed = true
        }
        for agency in registry.agencies where tokens.agencies[agency.id] == nil {
            tokens.agencies[agency.id] = randomToken()
            changed = true
        }
        if changed { try write(tokens, to: path) }
        return tokens
    }

    /// 24 random bytes, base64url without padding (no `:` or `,`, which the token lists use).
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Writes the file with mode 0600 from the start (temporary file + rename).
    private static func write(_ tokens: StackFile.Tokens, to path: String) throws(LauncherError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = "\(path).tmp"
        guard let data = try? encoder.encode(tokens),
              FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
              chmod(temporary, 0o600) == 0, rename(temporary, path) == 0 else {
            throw .file(path, "cannot write the tokens file")
        }
    }
}
