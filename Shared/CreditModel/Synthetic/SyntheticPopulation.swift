/// A reproducible population of subjects for the simulator and the benchmarks: valid codes
/// (GB 11643 persons, GB 32100 companies and organisations), about 85 % persons, 10 %
/// companies and 5 % organisations, all distinct.
///
/// The same `seed` and `count` give the same population.
public struct SyntheticPopulation: Sendable {
    /// The seed the population was drawn from.
    public let seed: UInt64
    /// Every subject; a subject's index is its identity within the run.
    public let subjects: [SubjectCode]
    /// Indices of persons, in index order.
    public let persons: [Int32]
    /// Indices of companies and organisations, in index order.
    public let legalEntities: [Int32]

    /// Shares of the subject types (the rest are persons).
    public static let companyShare = 0.10
    /// Share of organisations.
    public static let organisationShare = 0.05

    /// Draws `count` subjects from `seed`.
    public init(count: Int, seed: UInt64) {
        precondition(count > 0, "a population needs at least one subject")
        var rng = SplitMix64(seed: seed ^ 0x5EED_0F_5B_1EC7)
        let today = CivilDate(year: 2026, month: 1, day: 1)!
        var subjects: [SubjectCode] = []
        var persons: [Int32] = [], legal: [Int32] = []
        var seen = Set<SubjectCode>(minimumCapacity: count)
        subjects.reserveCapacity(count)
        for index in 0..<count {
            let draw = Double.random(in: 0..<1, using: &rng)
            var code: SubjectCode
            repeat {  // distinct subjects: redraw the rare collision
                if draw < Self.companyShare {
                    code = SubjectCode.randomCompany(using: &rng)
                } else if draw < Self.companyShare + Self.organisationShare {
                    code = SubjectCode.randomOrganisation(OrganisationCategory.allCases.randomElement(using: &rng)!, using: &rng)
                } else {
                    code = SubjectCode.randomPerson(using: &rng, today: today)
                }
            } while !seen.insert(code).inserted
            if code.type == .person { persons.append(Int32(index)) } else { legal.append(Int32(index)) }
            subjects.append(code)
        }
        self.seed = seed
        self.subjects = subjects
        self.persons = persons
        self.legalEntities = legal
    }

    /// The number of subjects.
    public var count: Int { subjects.count }
}
