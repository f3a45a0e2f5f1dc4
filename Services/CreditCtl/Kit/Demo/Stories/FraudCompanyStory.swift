import CreditModel
import Foundation

/// A company that commits fraud (article, Financial Review: fraud, illegal fundraising,
/// insider trading, fake insurance): regulators report it, its corporate score falls to D,
/// and it is blacklisted: no public tenders, no new credit. Rulebook: `company.fraud`,
/// `company.illegal_fundraising`, `company.insider_trading` −50, `company.fake_insurance` −20;
/// policy `corporate.grade-d`.
struct FraudCompanyStory: DemoStory {
    let name = "fraud-company"
    let title = "A company committing fraud, blacklisted"
    let article = "Companies are scored too: fraud, illegal fundraising, insider trading and fake insurance lower their rating; blacklisted companies are shut out of public tenders and credit."
    let needsClockAdvance = true
    /// The company (a GB 32100 code of a company).
    let company: SubjectCode
    static let policy = "corporate.grade-d"

    /// A story with a fresh company drawn from `rng`.
    init(using rng: inout SplitMix64) {
        company = SubjectCode.randomCompany(using: &rng)
    }

    var subjects: [SubjectCode] { [company] }

    func prepare(_ demo: DemoContext) async throws {
        let start = demo.clock.now().addingTimeInterval(-90 * 86_400)
        func at(_ week: Int) -> Date { start.addingTimeInterval(Double(week) * 7 * 86_400) }
        func report(_ id: String, _ kind: String, week: Int) -> JSONValue {
            demo.event("\(kind)-\(company)-\(id)", subject: company, kind: kind, at: at(week), attributes: ["file": .string("\(id)-\(week)")])
        }
        await demo.say("The company is \(company), rated A with 1000 points.")
        try await demo.post("market-regulator", [report("f1", "company.fraud", week: 0), report("f2", "company.fraud", week: 1)])
        try await demo.post("ndrc", [report("f3", "company.fraud", week: 2), report("i1", "company.insider_trading", week: 3),
                                     report("i2", "company.insider_trading", week: 4)])
        try await demo.post("pboc", [report("r1", "company.illegal_fundraising", week: 5), report("r2", "company.illegal_fundraising", week: 6),
                                     report("c1", "company.fake_insurance", week: 7)])
        try await demo.post("court", [report("f4", "company.fraud", week: 8)])
        let scores = try await demo.waitForScore(company, scheme: "corporate", points: 580)
        try await demo.expect(scores.scheme("corporate")?.grade == "D", "1000 − 4×50 fraud − 2×50 insider trading − 2×50 fundraising − 20 fake insurance = 580: grade D",
                              otherwise: "grade \(scores.scheme("corporate")?.grade ?? "-") at 580, expected D")
        let open = try await demo.waitForCase(company, policy: Self.policy, state: "noticed")
        try await demo.waitForNotice(company, caseID: open.caseID, kind: "sanction_notice")
    }

    func conclude(_ demo: DemoContext) async throws {
        let active = try await demo.waitForCase(company, policy: Self.policy, state: "active")
        try await demo.waitForDecisions(company, "imposed", active.measures)
        let tender = try await demo.lookUp(company, on: .blacklist, purpose: "city procurement: tender for road works")
        try await demo.expect(tender.listed == true && active.measures.contains("procurement.bid_block"),
                              "blacklisted: shut out of public tenders, no new credit (\(active.measures.joined(separator: ", ")))",
                              otherwise: "the company is not blacklisted (listed: \(tender.listed.map(String.init) ?? "-"))")
    }
}
