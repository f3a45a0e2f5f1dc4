import CreditModel
import Foundation

/// A Jinan dog owner (article, 2017): 12 licence points; offences cost 3, 6 and 12; at 0 the
/// dog is confiscated until the owner passes a test on the rules. Rulebook: `dog.unleashed`
/// and `dog.public_nuisance` escalate in the group `dog-offence`; policy
/// `dog-owner.confiscation` at 0 points; `dog.rules_test_passed` restores 12, which lifts it.
struct DogOwnerStory: DemoStory {
    let name = "dog-owner"
    let title = "A Jinan dog owner who loses all 12 points"
    let article = "In Jinan, dog owners get 12 points on their licence. Walking a dog without a leash or causing a nuisance costs points; at zero the dog is confiscated and the owner must pass a test on the rules."
    let needsClockAdvance = true
    /// The owner.
    let owner: SubjectCode
    static let policy = "dog-owner.confiscation"

    /// A story with a fresh owner drawn from `rng`.
    init(using rng: inout SplitMix64) {
        owner = SubjectCode.randomPerson(using: &rng, birthYears: 1970...1995)
    }

    var subjects: [SubjectCode] { [owner] }

    func prepare(_ demo: DemoContext) async throws {
        let start = demo.clock.now().addingTimeInterval(-3 * 3600)
        await demo.say("The owner is \(owner). The dog office reports three offences within weeks.")
        try await demo.post("jinan-dogs", [
            demo.event("dog-\(owner)-1", subject: owner, kind: "dog.unleashed", at: start, attributes: ["place": "Quancheng Square"]),
            demo.event("dog-\(owner)-2", subject: owner, kind: "dog.public_nuisance", at: start.addingTimeInterval(3600),
                       attributes: ["what": "barking at night"]),
            demo.event("dog-\(owner)-3", subject: owner, kind: "dog.unleashed", at: start.addingTimeInterval(7200),
                       attributes: ["place": "Daming Lake"]),
        ])
        try await demo.waitForScore(owner, scheme: "dog-owner", points: 0)
        let ledger = try await demo.showLedger(owner)
        let deltas = ledger.entries.filter { $0.scheme == "dog-owner" }.reversed().map(\.delta)
        try await demo.expect(deltas == [-3, -6, -3], "first offence −3, second −6, third −12 (held at the licence's 0)",
                              otherwise: "the dog-owner entries are \(deltas), expected −3, −6 and −3 (−12 held at 0)")
        let open = try await demo.waitForCase(owner, policy: Self.policy, state: "noticed")
        try await demo.waitForNotice(owner, caseID: open.caseID, kind: "sanction_notice")
        await demo.say("The owner is notified of the confiscation and has 10 days to appeal.")
    }

    func conclude(_ demo: DemoContext) async throws {
        let active = try await demo.waitForCase(owner, policy: Self.policy, state: "active")
        try await demo.waitForDecisions(owner, "imposed", active.measures)
        await demo.say("The dog is taken. Then the owner passes the test on the rules for keeping a dog.")
        try await demo.post("jinan-dogs", [
            demo.event("dog-\(owner)-test", subject: owner, kind: "dog.rules_test_passed", at: demo.clock.now().addingTimeInterval(-60),
                       attributes: ["certificate": .string("JN-\(owner.rawValue.suffix(6))")]),
        ])
        try await demo.waitForScore(owner, scheme: "dog-owner", points: 12)
        let lifted = try await demo.waitForCase(owner, policy: Self.policy, state: "lifted")
        try await demo.waitForDecisions(owner, "lifted", lifted.measures)
        try await demo.waitForNotice(owner, caseID: lifted.caseID, kind: "lift_info")
        try await demo.showCases(owner)
        await demo.check("the confiscation is lifted: the owner gets the dog back")
    }
}
