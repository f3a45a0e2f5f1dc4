import CreditModel
import Foundation
@testable import Scoring
import Testing

/// What-if: grade and measure changes under a candidate rulebook, nothing written.
@Suite struct WhatIfTests {
    let events = [
        Fixtures.event("loan.default", "l1", day: 0, agency: "pboc"),
        Fixtures.event("loan.default", "l2", day: 1, agency: "pboc"),
        Fixtures.event("loan.default", "l3", day: 2, agency: "pboc"),
        Fixtures.event("loan.default", "l4", day: 3, agency: "pboc"),
        Fixtures.event("loan.default", "l5", day: 4, agency: "pboc"),  // 950: grade B
        Fixtures.event("court.order_ignored", "c1", subject: Fixtures.company, day: 5),
        Fixtures.event("deed.volunteering", "v1", subject: Fixtures.otherPerson, day: 6, agency: "collector"),
    ]

    @Test func sameRulebookChangesNothing() {
        let report = WhatIf.compare(events: events, current: Fixtures.rulebook, candidate: Fixtures.rulebook, at: Fixtures.start)
        #expect(report.gradeChanges.isEmpty && report.measureChanges.isEmpty)
    }

    @Test func harsherLoanRuleMovesGradesAndStartsMeasures() throws {
        var candidate = Fixtures.rulebook
        candidate.rules = candidate.rules.map { rule in
            var rule = rule
            if rule.id == "citizen.loan-default" { rule.points = -100; rule.version = 2 }
            return rule
        }
        let report = WhatIf.compare(events: events, current: Fixtures.rulebook, candidate: candidate,
                                    at: Fixtures.start.addingTimeInterval(30 * Fixtures.day))
        #expect(report.gradeChanges.map(\.description) == ["110101199003074514 citizen: B (950) -> D (500)"])
        let started = report.measureChanges.filter(\.starts).map(\.measure.rawValue)
        #expect(Set(started) == ["travel.flight_ban", "travel.high_speed_rail_ban", "internet.throttle", "credit.new_card_denied",
                                 "list.public_blacklist", "travel.premium_class_ban", "hotel.luxury_ban"])
        #expect(report.measureChanges.allSatisfy { $0.subject == Fixtures.person && $0.starts })
    }

    @Test func eventPoliciesAreLiftedByTheirLiftingEventAndRetraction() {
        let complied = events + [Fixtures.event("court.order_complied", "c2", subject: Fixtures.company, day: 7)]
        let states = WhatIf.simulate(complied, rulebook: Fixtures.rulebook, at: Fixtures.start)
        #expect(WhatIf.activeMeasures(Fixtures.company, rulebook: Fixtures.rulebook, states: states, events: events)
            == ["credit.new_card_denied", "list.public_blacklist", "procurement.bid_block"])
        #expect(WhatIf.activeMeasures(Fixtures.company, rulebook: Fixtures.rulebook, states: states, events: complied).isEmpty)
        let retracted = events + [Fixtures.event("court.order_ignored", "c3", subject: Fixtures.company, day: 8, retracts: "c1")]
        #expect(WhatIf.activeMeasures(Fixtures.company, rulebook: Fixtures.rulebook, states: states, events: retracted).isEmpty)
    }
}
