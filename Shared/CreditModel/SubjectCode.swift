import Foundation

/// A validated subject code (DESIGN §4): a person's resident identity number (GB 11643) or a
/// company's or organisation's Unified Social Credit Code (GB 32100).
///
/// It is the key of every topic and the subject of every record, so it is only ever built by
/// validation: `init(validating:)`, or decoding from a JSON string (which validates too).
///
/// **Person or USCC.** Both are 18 characters and a USCC may be all digits
/// (`911100007109288314`), so the rule is: a code of 17 digits plus a digit or `X` whose
/// ISO 7064 MOD 11-2 check holds *and* whose digits 7–14 are a valid birth date is a person;
/// otherwise it must be a valid USCC. A code that passes both is a person (the generators never
/// produce such organisation codes). When neither holds, the error follows the closer reading:
/// the person's (bad check or bad birth date) if the code has person structure and either its
/// check holds or its birth date is valid, else the USCC's.
///
/// **Lowercase `x`.** A final lowercase `x` after 17 digits is accepted and normalised to `X`
/// (people write it both ways; the canonical form keeps one key per person). Other lowercase
/// letters are invalid characters: GB 32100 uses upper case only.
public struct SubjectCode: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The canonical 18-character code.
    public let rawValue: String
    /// Person, company or organisation.
    public let type: SubjectType
    /// For organisations, the registration category; nil for persons and companies.
    public let organisationCategory: OrganisationCategory?

    /// The earliest birth year accepted in a resident identity number.
    public static let earliestBirthYear = 1850

    /// Validates `text` against today's date (birth dates may not be in the future).
    public init(validating text: String) throws(SubjectCodeError) {
        try self.init(validating: text, today: CivilDate(Date()))
    }

    /// Validates `text`; birth dates after `today` are rejected.
    public init(validating text: String, today: CivilDate) throws(SubjectCodeError) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(18)
        for scalar in text.unicodeScalars {
            guard scalar.isASCII else {
                throw .invalidCharacter(Character(scalar), position: bytes.count + 1)
            }
            bytes.append(UInt8(scalar.value))
        }
        guard bytes.count == 18 else { throw .wrongLength(bytes.count) }
        if bytes[17] == UInt8(ascii: "x"), bytes[0..<17].allSatisfy(Checksum.isDigit) {
            bytes[17] = UInt8(ascii: "X")
        }
        for (index, byte) in bytes.enumerated() where Checksum.usccValue(byte) == nil {
            throw .invalidCharacter(Character(Unicode.Scalar(byte)), position: index + 1)
        }
        let (type, category) = try SubjectCode.classify(bytes, today: today)
        self.rawValue = String(decoding: bytes, as: UTF8.self)
        self.type = type
        self.organisationCategory = category
    }

    /// Decodes a JSON string and validates it (a `DecodingError.dataCorrupted` names the problem).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(validating: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the code as a plain JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The code itself.
    public var description: String { rawValue }

    /// Orders by the code string.
    public static func < (lhs: SubjectCode, rhs: SubjectCode) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The birth date of a person (digits 7–14); nil for companies and organisations.
    public var birthDate: CivilDate? {
        guard type == .person else { return nil }
        return Checksum.birthDate(Array(rawValue.utf8))
    }

    /// Applies the person-versus-USCC rule documented on the type.
    static func classify(_ b: [UInt8], today: CivilDate) throws(SubjectCodeError)
        -> (SubjectType, OrganisationCategory?) {
        let personShaped = b[0..<17].allSatisfy(Checksum.isDigit)
            && (Checksum.isDigit(b[17]) || b[17] == UInt8(ascii: "X"))
        var personError: SubjectCodeError?
        if personShaped {
            let expected = Checksum.gb11643CheckCharacter(b)
            let date = Checksum.birthDate(b)
            let dateValid = date.map { $0.year >= earliestBirthYear && $0 <= today } ?? false
            if expected == b[17], dateValid { return (.person, nil) }
            if expected == b[17] {
                personError = .invalidBirthDate(String(decoding: b[6..<14], as: UTF8.self))
            } else if dateValid {
                personError = .badCheckCharacter(expected: Character(Unicode.Scalar(expected)),
                                                 got: Character(Unicode.Scalar(b[17])), scheme: "GB 11643")
            }
        }
        let expected = Checksum.gb32100CheckCharacter(b)
        if expected == b[17] {
            return b[0] == UInt8(ascii: "9") ? (.company, nil) : (.organisation, OrganisationCategory(registrationAuthority: b[0]))
        }
        throw personError ?? .badCheckCharacter(expected: Character(Unicode.Scalar(expected)),
                                                got: Character(Unicode.Scalar(b[17])), scheme: "GB 32100")
    }
}

/// The check-character algorithms of GB 11643 and GB 32100, on ASCII bytes.
enum Checksum {
    /// The GB 32100 alphabet (no I, O, S, V, Z).
    static let usccAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    /// GB 32100 weights for the first 17 characters (3^i mod 31).
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    /// ISO 7064 MOD 11-2 weights for the first 17 digits (2^(17-i) mod 11).
    static let personWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// MOD 11-2 remainder → check character.
    static let personChecks = Array("10X98765432".utf8)
    /// Byte → alphabet index (or -1), built once.
    static let usccIndex: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in usccAlphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// The value of a USCC character, or nil if it is not in the alphabet.
    static func usccValue(_ byte: UInt8) -> Int? {
        let value = usccIndex[Int(byte)]
        return value < 0 ? nil : Int(value)
    }

    /// The GB 11643 check character for the first 17 digits of `b`.
    static func gb11643CheckCharacter(_ b: [UInt8]) -> UInt8 {
        var sum = 0
        for i in 0..<17 { sum += Int(b[i] - 48) * personWeights[i] }
        return personChecks[sum % 11]
    }

    /// The GB 32100 check character for the first 17 characters of `b` (all in the alphabet).
    static func gb32100CheckCharacter(_ b: [UInt8]) -> UInt8 {
        var sum = 0
        for i in 0..<17 { sum += (usccValue(b[i]) ?? 0) * usccWeights[i] }
        return usccAlphabet[(31 - sum % 31) % 31]
    }

    /// Digits 7–14 of `b` as a real calendar date, if they are one.
    static func birthDate(_ b: [UInt8]) -> CivilDate? {
        var digits = [Int]()
        for byte in b[6..<14] {
            guard isDigit(byte) else { return nil }
            digits.append(Int(byte - 48))
        }
        let number = digits.reduce(0) { $0 * 10 + $1 }
        return CivilDate(year: number / 10_000, month: number / 100 % 100, day: number % 100)
    }
}
