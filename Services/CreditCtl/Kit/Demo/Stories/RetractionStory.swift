import CreditModel
import Foundation

/// An agency corrects itself: the court retracts a report, the points come back and the
/// listing it caused is lifted (DESIGN §1: correctable). Rulebook: `court.order_ignored` →
/// −50 and `dishonest-debtor.person`; a retraction reverses the ledger entries and lifts the
/// case its event caused.
struct RetractionStory: DemoStory {
    let name = "retraction"
    let title = "An agency retracting an event, which lifts a measure"
    let article = "Listed people often learn of it only at the airport, and have no way to have a mistake corrected. Here the agency retracts its report, and everything that followed from it is undone."
    let needsClockAdvance = true
    /// The wrongly listed person.
    let debtor: SubjectCode

    /// A story with a fresh person drawn from `rng`.
    init(using rng: inout SplitMix64) {
        debtor = SubjectCode.randomPerson(using: &rng, birthYears: 1955...1985)
    }

    var subjects: [SubjectCode] { [debtor] }
    var eventID: String { "court-\(debtor)-order" }

    func prepare(_ demo: DemoContext) async throws {
        await demo.say("\(debtor) is reported for ignoring a court order; he misses the notice and does not appeal.")
        try await demo.post("court", [
            demo.event(eventID, subject: debtor, kind: "court.order_ignored", at: demo.clock.now().addingTimeInterval(-5400),
                       attributes: ["case": "(2026) Lu 0102 Zhi 555", "amount_cny": 12000]),
        ])
        try await demo.waitForScore(debtor, scheme: "citizen", points: 950)
        try await demo.waitForCase(debtor, policy: "dishonest-debtor.person", state: "noticed")
    }

    func conclude(_ demo: DemoContext) async throws {
        let active = try await demo.waitForCase(debtor, policy: "dishonest-debtor.person", state: "active")
        try await demo.waitForDecisions(debtor, "imposed", active.measures)
        await demo.say("The court finds the debt was paid before the order; it retracts its report.")
        try await demo.post("court", [
            demo.event("\(eventID)-retraction", subject: debtor, kind: "court.order_ignored",
                       at: demo.clock.now().addingTimeInterval(-60), attributes: ["why": "paid before the order"], retracts: eventID),
        ])
        try await demo.waitForScore(debtor, scheme: "citizen", points: 1000)
        let ledger = try await demo.showLedger(debtor)
        try await demo.expect(ledger.entries.first?.cause == "retraction", "the ledger shows the −50 reversed: \(ledger.entries.first?.reason ?? "")",
                              otherwise: "the newest ledger entry is not a retraction")
        let lifted = try await demo.waitForCase(debtor, policy: "dishonest-debtor.person", state: "lifted")
        try await demo.waitForDecisions(debtor, "lifted", lifted.measures)
        let airline = try await demo.lookUp(debtor, on: .blacklist, purpose: "airline: ticket sale")
        try await demo.expect(airline.listed == false, "off the blacklist: he may fly again",
                              otherwise: "still listed after the retraction")
        try await demo.showCases(debtor)
    }
}
