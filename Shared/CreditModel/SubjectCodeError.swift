/// Why a string is not a valid subject code; the message names what is wrong so an agency can fix it.
public enum SubjectCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The code is not 18 characters long.
    case wrongLength(Int)
    /// The character at `position` (1-based) may not appear there.
    case invalidCharacter(Character, position: Int)
    /// The check character does not match; `scheme` is `GB 11643` or `GB 32100`.
    case badCheckCharacter(expected: Character, got: Character, scheme: String)
    /// The resident identity number's birth date (digits 7–14) is not a real date,
    /// or lies before 1850 or in the future.
    case invalidBirthDate(String)

    /// A plain-language explanation, used as the rejection message.
    public var description: String {
        switch self {
        case .wrongLength(let length):
            return "subject code must be 18 characters, got \(length)"
        case .invalidCharacter(let character, let position):
            return "subject code has invalid character '\(character)' at position \(position)"
        case .badCheckCharacter(let expected, let got, let scheme):
            return "subject code check character is '\(got)', expected '\(expected)' (\(scheme))"
        case .invalidBirthDate(let digits):
            return "resident identity number has invalid birth date '\(digits)'"
        }
    }
}
