import CreditModel
import Foundation

/// Li Xiaolin, a lawyer who ignored a court order (article, 2015): the court notifies him
/// first; ten days later he is listed as a dishonest judgment debtor, cannot buy a plane
/// ticket or get a new credit card. Rulebook: `court.order_ignored` → −50 on `citizen`, and
/// the policy `dishonest-debtor.person`.
struct LawyerStory: DemoStory {
    let name = "lawyer"
    let title = "A lawyer who ignored a court order"
    let article = "Lawyer Li Xiaolin ignored a court order in 2015. He was put on the list of dishonest debtors and could no longer buy plane tickets or get a new credit card. Today the court notifies people first; they may appeal within 10 days."
    let needsClockAdvance = true
    /// The lawyer.
    let lawyer: SubjectCode
    /// The policy that lists him.
    static let policy = "dishonest-debtor.person"

    /// A story with a fresh lawyer drawn from `rng`.
    init(using rng: inout SplitMix64) {
        lawyer = SubjectCode.randomPerson(using: &rng, birthYears: 1960...1985)
    }

    var subjects: [SubjectCode] { [lawyer] }

    func prepare(_ demo: DemoContext) async throws {
        await demo.say("The lawyer is \(lawyer). The court reports that he ignored a judgment to pay CNY 52,000.")
        try await demo.post("court", [
            demo.event("court-\(lawyer)-1", subject: lawyer, kind: "court.order_ignored", at: demo.clock.now().addingTimeInterval(-3600),
                       attributes: ["case": "(2015) Jing 0105 Zhi 1234", "amount_cny": 52000], evidence: "judgment (2015) Jing 0105 Zhi 1234"),
        ])
        try await demo.waitForScore(lawyer, scheme: "citizen", points: 950)
        let open = try await demo.waitForCase(lawyer, policy: Self.policy, state: "noticed")
        await demo.say("A sanction case is open, but nothing takes effect yet: first the notice.")
        try await demo.waitForNotice(lawyer, caseID: open.caseID, kind: "sanction_notice")
        let letter = try await demo.letter(lawyer, caseID: open.caseID)
        await demo.say("The letter in his mailbox:")
        await demo.showText(letter)
        let listed = try await demo.lookUp(lawyer, on: .blacklist, purpose: "airline: ticket sale")
        try await demo.expect(listed.listed == false, "not on the blacklist while the appeal window (until \(open.appealDeadline ?? "?")) runs",
                              otherwise: "the lawyer is listed before his appeal window closed")
    }

    func conclude(_ demo: DemoContext) async throws {
        await demo.say("He did not appeal. After the deadline the measures take effect.")
        let active = try await demo.waitForCase(lawyer, policy: Self.policy, state: "active")
        try await demo.waitForDecisions(lawyer, "imposed", active.measures)
        let airline = try await demo.lookUp(lawyer, on: .blacklist, purpose: "airline: ticket sale Beijing-Shanghai")
        try await demo.expect(airline.listed == true, "the airline sees him on the blacklist: no plane ticket",
                              otherwise: "the airline's blacklist lookup does not list him")
        let bank = try await demo.lookUp(lawyer, on: .blacklist, purpose: "bank: credit card application")
        try await demo.expect(bank.listed == true && active.measures.contains("credit.new_card_denied"),
                              "the bank sees the listing and the decision credit.new_card_denied: no new credit card",
                              otherwise: "the bank's lookup or the case's measures do not deny a new credit card")
        await demo.say("He can see every lookup about him, who looked and why:")
        let cases = try await demo.showCases(lawyer)
        await demo.show(cases.lookupTable(), body: Data())
        try await demo.expect(cases.listLookups.count >= 3, "\(cases.listLookups.count) lookups recorded for him to see",
                              otherwise: "the lookups are not visible to the subject")
    }
}
