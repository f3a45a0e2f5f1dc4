import CreditModel
import Foundation

/// A model citizen (article: good deeds noted by information collectors; top grades get hotels
/// without deposit, cheaper loans, a boost on dating sites): volunteering and donating blood
/// over two years (the rules cap good deeds per year) lift the score to AAA, and rewards are
/// granted at once with a notice. Rulebook: `deed.volunteering` +5 (cap 20/y),
/// `deed.blood_donation` +5 (cap 10/y), `traffic.yielded_to_pedestrian` +1; policies
/// `citizen.grade-aa` and `citizen.grade-aaa`.
struct ModelCitizenStory: DemoStory {
    let name = "model-citizen"
    let title = "A model citizen earning deposit-free hotels and cheaper loans"
    let article = "Village information collectors note good deeds. Residents with the highest grade may stay in hotels without a deposit, get cheaper loans and a boost on dating sites."
    let needsClockAdvance = false
    /// The citizen.
    let citizen: SubjectCode
    static let policy = "citizen.grade-aaa"

    /// A story with a fresh citizen drawn from `rng`.
    init(using rng: inout SplitMix64) {
        citizen = SubjectCode.randomPerson(using: &rng, birthYears: 1950...1990)
    }

    var subjects: [SubjectCode] { [citizen] }

    func prepare(_ demo: DemoContext) async throws {
        let now = demo.clock.now()
        let lastYear = now.addingTimeInterval(-600 * 86_400)
        func deeds(_ tag: String, from start: Date) -> [JSONValue] {
            (0..<4).map { index in
                demo.event("deed-\(citizen)-\(tag)-v\(index)", subject: citizen, kind: "deed.volunteering",
                           at: start.addingTimeInterval(Double(index) * 86_400), attributes: ["where": "village school"])
            } + (0..<2).map { index in
                demo.event("deed-\(citizen)-\(tag)-b\(index)", subject: citizen, kind: "deed.blood_donation",
                           at: start.addingTimeInterval(Double(4 + index) * 86_400), attributes: ["where": "Rongcheng hospital"])
            }
        }
        await demo.say("The citizen is \(citizen). The village collector noted 4 days of volunteering and 2 blood donations, a year and a half ago.")
        try await demo.post("collector", deeds("earlier", from: lastYear))
        try await demo.waitForScore(citizen, scheme: "citizen", points: 1030)
        let aa = try await demo.waitForCase(citizen, policy: "citizen.grade-aa", state: "active")
        await demo.check("grade AA: rewards are granted at once (\(aa.measures.joined(separator: ", ")))")
        await demo.say("This year the same again (the rules cap good deeds per year), and the traffic police saw him stop for pedestrians three times.")
        try await demo.post("collector", deeds("recent", from: now.addingTimeInterval(-10 * 86_400)))
        try await demo.post("traffic-police", (0..<3).map { index in
            demo.event("yield-\(citizen)-\(index)", subject: citizen, kind: "traffic.yielded_to_pedestrian",
                       at: now.addingTimeInterval(Double(index - 3) * 3600), attributes: ["crossing": "Renmin Road"])
        })
        let scores = try await demo.waitForScore(citizen, scheme: "citizen", points: 1063)
        try await demo.expect(scores.scheme("citizen")?.grade == "AAA", "1000 + 30 + 30 + 3 = 1063: grade AAA",
                              otherwise: "grade \(scores.scheme("citizen")?.grade ?? "-") at 1063, expected AAA")
        let aaa = try await demo.waitForCase(citizen, policy: Self.policy, state: "active")
        try await demo.waitForCase(citizen, policy: "citizen.grade-aa", state: "lifted")
        try await demo.waitForDecisions(citizen, "granted", ["hotel.no_deposit", "loan.rate_discount"])
        try await demo.expect(aaa.measures.contains("hotel.no_deposit") && aaa.measures.contains("loan.rate_discount"),
                              "grade AAA: hotels without deposit and cheaper loans (\(aaa.measures.joined(separator: ", ")))",
                              otherwise: "the AAA rewards are \(aaa.measures)")
        try await demo.waitForNotice(citizen, caseID: aaa.caseID, kind: "reward_info")
        let hotel = try await demo.lookUp(citizen, on: .redlist, purpose: "hotel: check-in without deposit")
        try await demo.expect(hotel.listed == true, "the hotel finds him on the redlist",
                              otherwise: "the redlist lookup does not list him")
    }
}
