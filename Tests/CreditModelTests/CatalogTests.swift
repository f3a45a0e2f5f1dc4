import Foundation
import Testing
@testable import CreditModel

@Suite struct CatalogTests {
    @Test func catalogsMatchTheDesign() {
        #expect(EventKind.catalog.count == 25)
        #expect(Measure.catalog.filter { !$0.isReward }.count == 10)
        #expect(Measure.catalog.filter(\.isReward).count == 6)
        #expect(Measure("list.public_redlist").isReward)
        #expect(!Measure("travel.flight_ban").isReward)
        #expect(!Measure("no.such_measure").isKnown)
    }

    /// Notices say "you <summary>", letters "the subject <summary>": only a modal verb agrees with both.
    @Test func measureSummariesReadAfterYouAndTheSubject() {
        for definition in Measure.catalog {
            #expect(definition.summary.hasPrefix("may ") || definition.summary.hasPrefix("will "), "\(definition.measure): \(definition.summary)")
        }
    }

    @Test(arguments: ["court.order_ignored", "court.order_complied"])
    func courtKindsApplyToEveryone(kind: String) {
        for type in SubjectType.allCases { #expect(EventKind(rawValue: kind).applies(to: type)) }
    }

    @Test func subjectTypes() {
        #expect(EventKind("traffic.violation").applies(to: .person))
        #expect(!EventKind("traffic.violation").applies(to: .company))
        #expect(EventKind("company.fraud").applies(to: .organisation))
        #expect(!EventKind("company.fraud").applies(to: .person))
        #expect(!EventKind("no.such_kind").applies(to: .person))
    }

    @Test func attributeRequirements() {
        let severity = EventKind("traffic.violation").definition!.requirements[0]
        #expect(severity.isSatisfied(by: 1) && severity.isSatisfied(by: 3))
        #expect(!severity.isSatisfied(by: 0) && !severity.isSatisfied(by: 4))
        #expect(!severity.isSatisfied(by: 2.5) && !severity.isSatisfied(by: "2") && !severity.isSatisfied(by: nil))
        let hours = EventKind("gaming.excessive_hours").definition!.requirements[0]
        #expect(hours.isSatisfied(by: 0.5) && hours.isSatisfied(by: 7))
        #expect(!hours.isSatisfied(by: 0) && !hours.isSatisfied(by: -1) && !hours.isSatisfied(by: "5"))
    }
}

@Suite struct AgencyRegistryTests {
    @Test func defaultRegistryLoadsAllAgencies() throws {
        let registry = try Fixtures.loadRegistry()
        #expect(registry.agencies.map(\.id) == Topics.defaultAgencyIDs)
        for agency in registry.agencies {
            #expect(!agency.kinds.isEmpty)
            #expect(agency.kinds.allSatisfy { $0.isKnown })
        }
    }

    @Test func everyKindIsReportableBySomeAgency() throws {
        let registry = try Fixtures.loadRegistry()
        let reportable = registry.agencies.reduce(into: Set<EventKind>()) { $0.formUnion($1.kinds) }
        #expect(reportable == Set(EventKind.catalog.map(\.kind)))
    }

    @Test func mandates() throws {
        let registry = try Fixtures.loadRegistry()
        #expect(registry.permits(agency: "court", kind: "court.order_ignored"))
        #expect(registry.permits(agency: "jinan-dogs", kind: "dog.unleashed"))
        #expect(!registry.permits(agency: "jinan-dogs", kind: "loan.default"))
        #expect(!registry.permits(agency: "nobody", kind: "loan.default"))
        #expect(throws: MessageError.self) { try registry.check(agency: "military", mayReport: "deed.volunteering") }
    }

    @Test(arguments: [
        ("agencies:\n  - id: court\n    kinds: [court.order_ignored]\n  - id: court\n    kinds: [loan.default]\n",
         AgencyRegistryError(line: 4, agency: "court", problem: "duplicate agency id (first defined on line 2)")),
        ("agencies:\n  - id: court\n    kinds:\n      - court.order_ignored\n      - court.order_forgotten\n",
         AgencyRegistryError(line: 5, agency: "court", problem: "unknown kind 'court.order_forgotten'")),
        ("agencies:\n  - id: Court_1\n    kinds: [court.order_ignored]\n",
         AgencyRegistryError(line: 2, agency: "Court_1",
                             problem: "invalid agency id (use lowercase letters, digits and '-')")),
        ("agencies:\n  - id: court\n", AgencyRegistryError(line: 2, agency: "court", problem: "agency needs a list 'kinds'")),
        ("agency: []\n", AgencyRegistryError(line: 1, agency: nil, problem: "expected a list 'agencies'")),
    ])
    func badRegistriesNameTheProblem(yaml: String, error: AgencyRegistryError) {
        #expect(throws: error) { try AgencyRegistry(yaml: yaml) }
    }

    @Test func invalidYAMLIsReported() {
        #expect(throws: AgencyRegistryError.self) { try AgencyRegistry(yaml: "agencies: [unclosed\n") }
    }

    @Test(arguments: [("court", true), ("market-regulator", true), ("a1", true), ("-x", false), ("Court", false),
                      ("traffic_police", false), ("", false)])
    func agencyIDs(id: String, valid: Bool) {
        #expect(AgencyRegistry.isValidID(id) == valid)
    }
}
