import Testing
@testable import CreditModel

@Suite struct GenerationTests {
    @Test(arguments: SubjectType.allCases)
    func generatedCodesValidateWithTheirType(type: SubjectType) throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<10_000 {
            let code = SubjectCode.random(type, using: &rng)
            let revalidated = try SubjectCode(validating: code.rawValue)
            #expect(revalidated.type == type)
            #expect(revalidated == code)
        }
    }

    @Test(arguments: OrganisationCategory.allCases)
    func generatedOrganisationsHaveTheirCategory(category: OrganisationCategory) throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let code = try SubjectCode(validating: SubjectCode.randomOrganisation(category, using: &rng).rawValue)
            #expect(code.type == .organisation)
            #expect(code.organisationCategory == category)
        }
    }

    @Test func birthYearsRespected() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<2_000 {
            let year = SubjectCode.randomPerson(using: &rng, birthYears: 1990...1991).birthDate!.year
            #expect((1990...1991).contains(year))
        }
    }

    @Test func seededRunsRepeat() {
        var a = SplitMix64(seed: 99)
        var b = SplitMix64(seed: 99)
        let first = (0..<50).map { _ in SubjectCode.random(.person, using: &a) }
        let second = (0..<50).map { _ in SubjectCode.random(.person, using: &b) }
        #expect(first == second)
        var c = SplitMix64(seed: 100)
        #expect(first != (0..<50).map { _ in SubjectCode.random(.person, using: &c) })
    }
}
