import CreditModel
import Foundation

/// Two appeals (article: people may appeal within 10 days of the notice): a conscientious
/// objector's sanction is upheld by the officer, a wrongly listed debtor's is overturned.
/// Rulebook: `military.service_refused` → `military-refusal.enrolment`;
/// `court.order_ignored` → `dishonest-debtor.person`.
struct AppealsStory: DemoStory {
    let name = "appeals"
    let title = "An appeal upheld and one overturned"
    let article = "The people concerned are notified and may appeal within 10 days. An officer decides; nothing takes effect unless the officer upholds it."
    let needsClockAdvance = false
    /// Refused military service; the appeal is upheld.
    let objector: SubjectCode
    /// Reported for someone else's judgment; the appeal is overturned.
    let namesake: SubjectCode

    /// A story with two fresh people drawn from `rng`.
    init(using rng: inout SplitMix64) {
        objector = SubjectCode.randomPerson(using: &rng, birthYears: 1998...2006)
        namesake = SubjectCode.randomPerson(using: &rng, birthYears: 1965...1990)
    }

    var subjects: [SubjectCode] { [objector, namesake] }

    func prepare(_ demo: DemoContext) async throws {
        let when = demo.clock.now().addingTimeInterval(-7200)
        await demo.say("\(objector) refused compulsory military service; the policy bars him from enrolling at a university.")
        try await contest(demo, objector, agency: "military",
                          event: demo.event("mil-\(objector)", subject: objector, kind: "military.service_refused", at: when,
                                            attributes: ["year": 2026]),
                          policy: "military-refusal.enrolment", statement: "I object for reasons of conscience.",
                          outcome: .upheld, reason: "Refusing service is established; conscience is not a ground in this scheme.",
                          expected: "active", meaning: "upheld: the enrolment block takes effect at once")
        try await demo.waitForDecisions(objector, "imposed", ["education.enrollment_block"])

        await demo.say("\(namesake) is reported by the court for a judgment against someone with a similar name.")
        try await contest(demo, namesake, agency: "court",
                          event: demo.event("court-\(namesake)", subject: namesake, kind: "court.order_ignored", at: when,
                                            attributes: ["case": "(2026) Hu 0101 Zhi 77", "amount_cny": 8000]),
                          policy: "dishonest-debtor.person", statement: "The judgment names another person; my identity number differs.",
                          outcome: .overturned, reason: "The judgment concerns another person; the court is asked to retract its report.",
                          expected: "withdrawn", meaning: "overturned: the case is withdrawn, nothing is published")
        let listed = try await demo.lookUp(namesake, on: .blacklist, purpose: "airline: ticket sale")
        try await demo.expect(listed.listed == false, "the namesake is not on the blacklist",
                              otherwise: "the namesake is listed after the appeal was overturned")
        try await demo.showCases(namesake)
        let decisions = await demo.feed.decisions(about: namesake.rawValue)
        try await demo.expect(decisions.isEmpty, "no decision about the namesake reached the enforcers",
                              otherwise: "decisions were published about the namesake: \(decisions.map(\.measure))")
    }

    /// Posts the event, waits for the notice, appeals with the code from the letter, and has an
    /// officer decide; fails unless the case ends `expected`.
    private func contest(_ demo: DemoContext, _ subject: SubjectCode, agency: String, event: JSONValue, policy: String,
                         statement: String, outcome: ReviewOutcome, reason: String, expected: String, meaning: String) async throws {
        try await demo.post(agency, [event])
        let open = try await demo.waitForCase(subject, policy: policy, state: "noticed")
        let letter = try await demo.letter(subject, caseID: open.caseID)
        guard let code = AppealLetters.appealCode(in: letter) else { throw StoryFailure("the notice quotes no appeal code") }
        await demo.step("the subject appeals with the code from the letter, \(code): POST /v1/cases/\(open.caseID)/appeal")
        let appealed = try await demo.client.appeal(caseID: open.caseID, appealCode: code, statement: statement)
        try await demo.expect(appealed.value.state == "under_appeal", "under appeal (\"\(statement)\")",
                              otherwise: "the appealed case is \(appealed.value.state), expected under_appeal")
        let decided = try await demo.client.review(caseID: open.caseID, outcome: outcome, reason: reason)
        await demo.step("the officer decides: POST /v1/cases/\(open.caseID)/review {\"outcome\":\"\(outcome.rawValue)\"} → \(decided.value.state)")
        try await demo.expect(decided.value.state == expected, meaning,
                              otherwise: "the \(outcome.rawValue) case is \(decided.value.state), expected \(expected)")
    }
}
