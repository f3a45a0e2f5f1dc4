import Foundation

/// Random valid subject codes for the demo, the simulator and property tests.
///
/// Each generator takes an `inout` generator so a run seeded with `SplitMix64(seed:)` is
/// reproducible. Every result passes `init(validating:)` and has the requested type.
extension SubjectCode {
    /// Real county-level region codes (GB/T 2260) used for generated persons and organisations:
    /// Beijing Dongcheng/Chaoyang, Shanghai Huangpu, Shenzhen Futian, Chaozhou, Jinan Lixia,
    /// Chengdu Jinjiang, Fuzhou Gulou, Rongcheng, Hangzhou Shangcheng.
    public static let sampleRegionCodes = [
        "110101", "110105", "310101", "440304", "440524", "370102", "510104", "350102", "371082", "330102",
    ]

    /// A random resident identity number of someone born between `birthYears` (inclusive,
    /// clamped to 1850 and to `today`'s date).
    public static func randomPerson(
        using rng: inout some RandomNumberGenerator,
        birthYears: ClosedRange<Int> = 1940...2008,
        today: CivilDate = CivilDate(.now)
    ) -> SubjectCode {
        let first = CivilDate(year: max(birthYears.lowerBound, earliestBirthYear), month: 1, day: 1)!
        let lastOfRange = CivilDate(year: max(birthYears.upperBound, earliestBirthYear), month: 12, day: 31)!
        let last = min(lastOfRange, today)
        let birth = first.adding(days: Int.random(in: 0...max(0, last.daysSince1970 - first.daysSince1970), using: &rng))
        let region = sampleRegionCodes.randomElement(using: &rng)!
        let sequence = CivilDate.pad(Int.random(in: 0...999, using: &rng), 3)
        var bytes = Array((region + birth.compact + sequence).utf8)
        bytes.append(Checksum.gb11643CheckCharacter(bytes))
        // The check and date are valid by construction, so this is always a person.
        return try! SubjectCode(validating: String(decoding: bytes, as: UTF8.self), today: today)
    }

    /// A random Unified Social Credit Code of a company (registration authority `9`).
    public static func randomCompany(using rng: inout some RandomNumberGenerator) -> SubjectCode {
        randomUSCC(authority: "9", categories: "123", using: &rng)
    }

    /// A random Unified Social Credit Code of an organisation of `category`
    /// (authority `1`, `5`, or one of `N`, `Y`, `6`, `7`, `8` for `.other`).
    public static func randomOrganisation(
        _ category: OrganisationCategory,
        using rng: inout some RandomNumberGenerator
    ) -> SubjectCode {
        switch category {
        case .governmentBody: return randomUSCC(authority: "1", categories: "1239", using: &rng)
        case .socialOrganisation: return randomUSCC(authority: "5", categories: "1239", using: &rng)
        case .other:
            let authority = ["N", "Y", "6", "7", "8"].randomElement(using: &rng)!
            return randomUSCC(authority: authority, categories: "129", using: &rng)
        }
    }

    /// A random code of `type` (organisations of a random category).
    public static func random(_ type: SubjectType, using rng: inout some RandomNumberGenerator) -> SubjectCode {
        switch type {
        case .person: return randomPerson(using: &rng)
        case .company: return randomCompany(using: &rng)
        case .organisation:
            return randomOrganisation(OrganisationCategory.allCases.randomElement(using: &rng)!, using: &rng)
        }
    }

    /// Authority + category + region + 9-character organisation code + check; redrawn in the rare
    /// case that an all-digit result would also read as a valid resident identity number.
    private static func randomUSCC(
        authority: String,
        categories: String,
        using rng: inout some RandomNumberGenerator
    ) -> SubjectCode {
        while true {
            var bytes = Array(authority.utf8) + [Array(categories.utf8).randomElement(using: &rng)!]
            bytes += Array(sampleRegionCodes.randomElement(using: &rng)!.utf8)
            for _ in 0..<9 { bytes.append(Checksum.usccAlphabet.randomElement(using: &rng)!) }
            bytes.append(Checksum.gb32100CheckCharacter(bytes))
            if let code = try? SubjectCode(validating: String(decoding: bytes, as: UTF8.self)),
               code.type != .person {
                return code
            }
        }
    }
}
