import CreditModel
import Foundation

/// A bad driver who smokes where it is forbidden (article: "bad driving", smoking in
/// no-smoking areas): the points go, the grade slides from A to B to C, and grade C costs
/// business class and luxury hotels. Rulebook: `traffic.violation` severity 2 −10, severity 3
/// −20, `smoking.no_smoking_area` −5; policy `citizen.grade-c`.
struct SlidingCitizenStory: DemoStory {
    let name = "sliding-citizen"
    let title = "A bad driver and smoker sliding down the grades"
    let article = "Bad driving and smoking in a no-smoking zone cost points. Whoever falls to a low grade may no longer fly business class or stay in the best hotels."
    let needsClockAdvance = true
    /// The driver.
    let driver: SubjectCode
    static let policy = "citizen.grade-c"

    /// A story with a fresh driver drawn from `rng`.
    init(using rng: inout SplitMix64) {
        driver = SubjectCode.randomPerson(using: &rng, birthYears: 1975...2000)
    }

    var subjects: [SubjectCode] { [driver] }

    func prepare(_ demo: DemoContext) async throws {
        let start = demo.clock.now().addingTimeInterval(-30 * 86_400)
        func at(_ day: Int) -> Date { start.addingTimeInterval(Double(day) * 86_400) }
        await demo.say("The driver is \(driver), grade A with the 1000 points everyone starts with.")
        await demo.say("First month: three serious traffic violations, and four cigarettes on station platforms.")
        try await month(demo, tag: "first", severity: 2, violations: 3, cigarettes: 4, from: at(0),
                        expect: (950, "B", "1000 − 30 − 20 = 950"))
        await demo.say("He carries on: four grave violations (running red lights) and five more cigarettes.")
        try await month(demo, tag: "second", severity: 3, violations: 4, cigarettes: 5, from: at(10),
                        expect: (845, "C", "950 − 80 − 25 = 845"))
        let ledger = try await demo.showLedger(driver)
        let grades = ledger.entries.reversed().compactMap(\.gradeAfter).reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        try await demo.expect(grades == ["A", "B", "C"], "every entry names its rule and reason; the grades slide A → B → C",
                              otherwise: "the ledger's grades are \(grades), expected A, B, C")
        let open = try await demo.waitForCase(driver, policy: Self.policy, state: "noticed")
        try await demo.waitForNotice(driver, caseID: open.caseID, kind: "sanction_notice")
    }

    /// A month of `violations` traffic violations of `severity` and `cigarettes` smoking reports,
    /// a day apart from `from`; fails unless the score and grade are then as expected.
    private func month(_ demo: DemoContext, tag: String, severity: Int64, violations: Int, cigarettes: Int, from: Date,
                       expect: (points: Int, grade: String, sum: String)) async throws {
        func day(_ index: Int) -> Date { from.addingTimeInterval(Double(index) * 86_400) }
        try await demo.post("traffic-police", (0..<violations).map { index in
            demo.event("traffic-\(driver)-\(tag)-\(index)", subject: driver, kind: "traffic.violation", at: day(index),
                       attributes: ["severity": .int(severity)])
        })
        try await demo.post("railway", (0..<cigarettes).map { index in
            demo.event("smoke-\(driver)-\(tag)-\(index)", subject: driver, kind: "smoking.no_smoking_area", at: day(violations + index),
                       attributes: ["station": "Jinan West"])
        })
        let scores = try await demo.waitForScore(driver, scheme: "citizen", points: expect.points)
        let grade = scores.scheme("citizen")?.grade ?? "-"
        try await demo.expect(grade == expect.grade, "\(expect.sum): grade \(expect.grade)",
                              otherwise: "grade \(grade) at \(expect.points), expected \(expect.grade)")
    }

    func conclude(_ demo: DemoContext) async throws {
        let active = try await demo.waitForCase(driver, policy: Self.policy, state: "active")
        try await demo.waitForDecisions(driver, "imposed", active.measures)
        try await demo.expect(Set(active.measures) == ["travel.premium_class_ban", "hotel.luxury_ban"],
                              "grade C: no business class, no luxury hotels",
                              otherwise: "grade C imposed \(active.measures)")
    }
}
