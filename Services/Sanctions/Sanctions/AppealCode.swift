import Foundation
import CreditModel

/// The appeal code a subject quotes to appeal a case, and the hash stored in its place (the
/// code itself travels only in the notice).
public enum AppealCode {
    private static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A fresh random code such as `K7Q2M-XW9PA` (50 bits).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return String(characters[..<5]) + "-" + String(characters[5...])
    }

    /// The stored form of `code`: SHA-256 hex of the code, upper-cased and trimmed.
    public static func hash(_ code: String) -> String {
        SHA256.hex(Array(code.trimmingCharacters(in: .whitespaces).uppercased().utf8))
    }

    /// Whether `code` is the one whose hash is `stored`.
    public static func matches(_ code: String, stored: String) -> Bool {
        let candidate = Array(hash(code).utf8), expected = Array(stored.utf8)
        guard candidate.count == expected.count else { return false }
        return zip(candidate, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
