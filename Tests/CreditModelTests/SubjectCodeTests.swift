import Testing
@testable import CreditModel

@Suite struct SubjectCodeTests {
    @Test(arguments: [
        ("11010519491231002X", SubjectType.person),
        ("110101199003074514", .person),
        ("440524188001010014", .person),
        ("91350100M000100Y43", .company),
        ("911100007109288314", .company),
        ("12100000400000624D", .organisation),
    ])
    func validCodesClassify(code: String, type: SubjectType) throws {
        let subject = try SubjectCode(validating: code)
        #expect(subject.type == type)
        #expect(subject.rawValue == code)
    }

    @Test func governmentBodyCategory() throws {
        #expect(try SubjectCode(validating: "12100000400000624D").organisationCategory == .governmentBody)
        #expect(try SubjectCode(validating: "911100007109288314").organisationCategory == nil)
        #expect(try SubjectCode(validating: "110101199003074514").organisationCategory == nil)
    }

    @Test func personBirthDate() throws {
        #expect(try SubjectCode(validating: "11010519491231002X").birthDate == CivilDate(year: 1949, month: 12, day: 31))
        #expect(try SubjectCode(validating: "911100007109288314").birthDate == nil)
    }

    @Test func lowercaseCheckXIsNormalised() throws {
        let subject = try SubjectCode(validating: "11010519491231002x")
        #expect(subject.rawValue == "11010519491231002X")
        #expect(subject == (try SubjectCode(validating: "11010519491231002X")))
    }

    @Test(arguments: [
        ("11010119900307451X", SubjectCodeError.badCheckCharacter(expected: "4", got: "X", scheme: "GB 11643")),
        ("91110000600007336B", .badCheckCharacter(expected: "U", got: "B", scheme: "GB 32100")),
        ("1101051949123100", .wrongLength(16)),
        ("11010519491231002X0", .wrongLength(19)),
        ("", .wrongLength(0)),
        ("91350100M000100I43", .invalidCharacter("I", position: 16)),
        ("91350100m000100Y43", .invalidCharacter("m", position: 9)),
        ("9135010០M000100Y43", .invalidCharacter("០", position: 8)),
    ])
    func invalidCodesGiveSpecificErrors(code: String, error: SubjectCodeError) {
        #expect(throws: error) { try SubjectCode(validating: code) }
    }

    /// A MOD 11-2 check that holds over an impossible date (1990-13-07) is a bad birth date.
    @Test func impossibleBirthDate() {
        let code = Self.withPersonCheck("11010119901307451")
        #expect(throws: SubjectCodeError.invalidBirthDate("19901307")) { try SubjectCode(validating: code) }
    }

    @Test func leapDays() throws {
        #expect(try SubjectCode(validating: Self.withPersonCheck("11010120000229451")).type == .person)
        #expect(throws: SubjectCodeError.invalidBirthDate("19000229")) {
            try SubjectCode(validating: Self.withPersonCheck("11010119000229451"))
        }
    }

    @Test func birthDateBoundaries() throws {
        let today = CivilDate(year: 2026, month: 11, day: 20)!
        #expect(throws: SubjectCodeError.invalidBirthDate("20261121")) {
            try SubjectCode(validating: Self.withPersonCheck("11010120261121451"), today: today)
        }
        #expect(try SubjectCode(validating: Self.withPersonCheck("11010120261120451"), today: today).type == .person)
        #expect(throws: SubjectCodeError.invalidBirthDate("18491231")) {
            try SubjectCode(validating: Self.withPersonCheck("11010118491231451"))
        }
    }

    @Test func codableAsPlainString() throws {
        let subject = try SubjectCode(validating: "91350100M000100Y43")
        let json = try MessageCoding.encodeString([subject])
        #expect(json == #"["91350100M000100Y43"]"#)
        #expect(try MessageCoding.makeDecoder().decode([SubjectCode].self, from: Data(json.utf8)) == [subject])
        #expect(throws: DecodingError.self) {
            try MessageCoding.makeDecoder().decode([SubjectCode].self, from: Data(#"["91110000600007336B"]"#.utf8))
        }
    }

    /// Appends the GB 11643 check character to 17 digits.
    static func withPersonCheck(_ digits: String) -> String {
        digits + String(UnicodeScalar(Checksum.gb11643CheckCharacter(Array(digits.utf8))))
    }
}

import Foundation
