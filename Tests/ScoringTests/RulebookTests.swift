import CreditModel
import Testing
@testable import Scoring

@Suite struct RulebookTests {
    @Test func defaultRulebookLoadsWithEveryScheme() throws {
        let rulebook = Fixtures.rulebook
        #expect(rulebook.version == 1)
        #expect(rulebook.schemes.map(\.id) == ["citizen", "dog-owner", "corporate"])
        let citizen = try #require(rulebook.scheme("citizen"))
        #expect(citizen.initialPoints == 1000)
        #expect(citizen.grade(for: 1050) == "AAA")
        #expect(citizen.grade(for: 1049) == "AA")
        #expect(citizen.grade(for: 1030) == "AA")
        #expect(citizen.grade(for: 1000) == "A")
        #expect(citizen.grade(for: 960) == "A")
        #expect(citizen.grade(for: 959) == "B")
        #expect(citizen.grade(for: 850) == "B")
        #expect(citizen.grade(for: 600) == "C")
        #expect(citizen.grade(for: 599) == "D")
        let dog = try #require(rulebook.scheme("dog-owner"))
        #expect(dog.initialPoints == 12 && dog.minimum == 0 && dog.maximum == 12)
        #expect(rulebook.scheme("corporate")?.subjectTypes == [.company, .organisation])
    }

    /// Every event kind of the catalog has a rule or a policy, and every measure a policy
    /// (DESIGN §1: every behaviour, sanction and reward in the article has a place).
    @Test func everyKindAndMeasureIsCovered() {
        let rulebook = Fixtures.rulebook
        var kinds = Set(rulebook.rules.map(\.kind))
        var measures = Set<Measure>()
        for policy in rulebook.policies {
            measures.formUnion(policy.measures)
            if case .event(let kind, let lifting) = policy.trigger { kinds.insert(kind); kinds.formUnion(lifting) }
        }
        #expect(Set(EventKind.catalog.map(\.kind)).subtracting(kinds).isEmpty)
        #expect(Set(Measure.catalog.map(\.measure)).subtracting(measures).isEmpty)
    }

    @Test func courtOrderIgnoredListsTheDishonestDebtor() throws {
        let policy = try #require(Fixtures.rulebook.policies.first { $0.id == "dishonest-debtor.person" })
        #expect(policy.trigger == .event(kind: "court.order_ignored", liftedBy: ["court.order_complied"]))
        #expect(Set(policy.measures) == ["travel.flight_ban", "travel.high_speed_rail_ban", "hotel.luxury_ban",
                                         "credit.new_card_denied", "list.public_blacklist"])
        #expect(policy.appealDays == 10)
    }

    // MARK: validation errors, each with file, line and problem

    static let valid = """
        version: 2
        schemes:
          - id: s
            subjects: [person]
            initial: 10
            min: 0
            max: 20
            grades:
              - {name: high, min: 11, max: 20}
              - {name: low, min: 0, max: 10}
        rules:
          - id: r
            version: 1
            scheme: s
            kind: dog.unleashed
            points: -1
            reason: r
        policies:
          - id: p
            version: 1
            scheme: s
            when: {grade_in: [low]}
            target: subject
            measures: [dog.confiscation]
            appeal_days: 10
            reason: p
        """

    /// Parses `yaml` and returns the single problem it must have.
    func problem(_ yaml: String) throws -> RulebookError.Problem {
        let error = try #require(throws: RulebookError.self) { try Rulebook.parse(yaml: yaml, file: "test.yaml") }
        #expect(error.problems.count == 1, "\(error)")
        return try #require(error.problems.first)
    }

    @Test func validDocumentParses() throws {
        let rulebook = try Rulebook.parse(yaml: Self.valid, file: "test.yaml")
        #expect(rulebook.version == 2)
        #expect(rulebook.rules.map(\.reference) == ["r@1"])
    }

    @Test func unknownKindIsRejectedWithItsLine() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "kind: dog.unleashed", with: "kind: dog.barking"))
        #expect(problem.file == "test.yaml")
        #expect(problem.line == 15)
        #expect(problem.message == "rule 'r': unknown event kind 'dog.barking'")
        #expect(problem.description == "test.yaml:15: rule 'r': unknown event kind 'dog.barking'")
    }

    @Test func unknownMeasureIsRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "[dog.confiscation]", with: "[dog.euthanasia]"))
        #expect(problem.line == 24)
        #expect(problem.message == "policy 'p': unknown measure 'dog.euthanasia'")
    }

    @Test func overlappingGradesAreRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "{name: low, min: 0, max: 10}", with: "{name: low, min: 0, max: 12}"))
        #expect(problem.line == 3)
        #expect(problem.message == "scheme 's': grades 'low' (0...12) and 'high' (11...20) overlap")
    }

    @Test func gappedGradesAreRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "{name: low, min: 0, max: 10}", with: "{name: low, min: 0, max: 8}"))
        #expect(problem.message == "scheme 's': grades leave a gap: 9...10 has no grade")
        let top = try self.problem(Self.valid.replacingOccurrences(of: "{name: high, min: 11, max: 20}", with: "{name: high, min: 11, max: 19}"))
        #expect(top.message == "scheme 's': grades leave a gap: 20...20 has no grade")
    }

    @Test func kindThatCannotApplyToTheSchemeIsRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "kind: dog.unleashed", with: "kind: company.fraud"))
        #expect(problem.line == 12)
        #expect(problem.message == "rule 'r': kind 'company.fraud' cannot apply to the subjects of scheme 's' (person)")
    }

    @Test func measureOnAnyoneButTheSubjectIsRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "target: subject", with: "target: relatives"))
        #expect(problem.line == 23)
        #expect(problem.message.hasPrefix("policy 'p': a measure may bind only the subject whose record caused it, not 'relatives'"))
    }

    @Test func measureThatCannotBindTheSchemeSubjectsIsRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "[dog.confiscation]", with: "[procurement.bid_block]"))
        #expect(problem.message == "policy 'p': measure 'procurement.bid_block' cannot bind person subjects")
    }

    @Test func sanctionWithoutAppealWindowIsRejected() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "appeal_days: 10", with: "appeal_days: 3"))
        #expect(problem.line == 19)
        #expect(problem.message == "policy 'p': sanctions need at least 10 appeal days after the notice, got 3")
    }

    @Test func unknownGradeAndSchemeAreRejected() throws {
        #expect(try problem(Self.valid.replacingOccurrences(of: "[low]", with: "[lowest]")).message
            == "policy 'p': scheme 's' has no grade 'lowest'")
        #expect(try problem(Self.valid.replacingOccurrences(of: "scheme: s\n    kind", with: "scheme: t\n    kind")).message
            == "rule 'r': unknown scheme 't'")
    }

    @Test func malformedValuesAreRejectedWithTheirLine() throws {
        let problem = try problem(Self.valid.replacingOccurrences(of: "points: -1", with: "points: lots"))
        #expect(problem.line == 16)
        #expect(problem.message == "'points' must be an integer, got 'lots'")
        let yaml = try self.problem("version: 1\nschemes: [\n")
        #expect(yaml.message.hasPrefix("not valid YAML"))
    }

    @Test func policyDurationIsReadAndMustBePositive() throws {
        let listing = try #require(Fixtures.rulebook.policies.first { $0.id == "dishonest-debtor.person" })
        #expect(listing.durationDays == 730)
        let withDuration = Self.valid.replacingOccurrences(of: "    appeal_days: 10\n", with: "    appeal_days: 10\n    duration_days: 30\n")
        #expect(try Rulebook.parse(yaml: withDuration, file: "test.yaml").policies.first?.durationDays == 30)
        let problem = try problem(Self.valid.replacingOccurrences(of: "    appeal_days: 10\n", with: "    appeal_days: 10\n    duration_days: 0\n"))
        #expect(problem.message.contains("duration_days must be a positive number of days, got 0"))
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let yaml = Self.valid.replacingOccurrences(of: "kind: dog.unleashed", with: "kind: dog.barking")
            .replacingOccurrences(of: "target: subject", with: "target: employees")
        let error = try #require(throws: RulebookError.self) { try Rulebook.parse(yaml: yaml, file: "x.yaml") }
        #expect(error.problems.map(\.line) == [15, 23])
    }
}
