import CreditModel
import Foundation
import Testing
@testable import Scoring

/// The pure rule engine with the default rulebook: exact points for every rule feature.
@Suite struct RuleEngineTests {
    let engine = RuleEngine(rulebook: Fixtures.rulebook)

    /// Applies `events` in order to a fresh state of their subject and returns every entry.
    func run(_ events: [AcceptedEvent], state: inout SubjectState) -> [LedgerEntry] {
        events.flatMap { engine.apply($0, to: &state) }
    }

    /// An entry announces itself under its own id, which is the id the message would derive
    /// (it is not derived again), with every member as the deriving initializer sets it.
    @Test func anEntryAnnouncesItselfUnderTheIdItsMessageWouldDerive() {
        var state = SubjectState(subject: Fixtures.person)
        var entries = [Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs"), Fixtures.event("court.order_ignored", "c1")]
            .flatMap { engine.apply($0, to: &state) }
        entries += engine.apply(Fixtures.event("dog.unleashed", "r1", day: 1, agency: "jinan-dogs", retracts: "d1"), to: &state)
        #expect(entries.count >= 3 && entries.contains { $0.reverses != nil } && entries.contains { $0.escalationGroup != nil })
        for entry in entries {
            let derived = ScoreChange(agency: entry.agency, eventID: entry.eventID, subject: entry.subject, kind: entry.kind,
                                      scheme: entry.scheme, ruleID: entry.ruleID, ruleVersion: entry.ruleVersion, delta: entry.delta,
                                      pointsAfter: entry.pointsAfter, gradeAfter: entry.gradeAfter, reason: entry.reason,
                                      occurredAt: entry.occurredAt, expiresAt: entry.expiresAt, clampedAmount: entry.clampedAmount,
                                      cause: entry.cause, reverses: entry.reverses)
            #expect(entry.scoreChange == derived)
            #expect(entry.scoreChange.id == entry.id)
        }
    }

    @Test func jinanEscalatesWithinTwoYearsAndClampsAtZero() {
        var state = SubjectState(subject: Fixtures.person)
        let entries = run([
            Fixtures.event("dog.unleashed", "d1", day: 0, agency: "jinan-dogs"),
            Fixtures.event("dog.public_nuisance", "d2", day: 100, agency: "jinan-dogs"),
            Fixtures.event("dog.unleashed", "d3", day: 200, agency: "jinan-dogs"),
        ], state: &state)
        #expect(entries.map(\.scheme) == ["dog-owner", "dog-owner", "dog-owner"])
        #expect(entries.map(\.requested) == [-3, -6, -12])
        #expect(entries.map(\.delta) == [-3, -6, -3])
        #expect(entries.map(\.pointsAfter) == [9, 3, 0])
        #expect(entries.map(\.clampedAmount) == [0, 0, -9])
        #expect(entries.map(\.gradeAfter) == ["licensed", "licensed", "confiscated"])
        #expect(entries[2].reason.contains("match 3 within 2y"))
        #expect(entries[2].reason.contains("held at the scheme's bound 0"))
        #expect(entries[0].expiresAt == Fixtures.start.addingTimeInterval(730 * Fixtures.day))

        // The rules test restores the 12 points.
        let test = engine.apply(Fixtures.event("dog.rules_test_passed", "d4", day: 210, agency: "jinan-dogs"), to: &state)
        #expect(test.map(\.delta) == [12])
        #expect(test.map(\.pointsAfter) == [12])
        #expect(test.first?.expiresAt == nil)

        // Two years and one day after the first offence, two offences are still in the window.
        let fourth = engine.apply(Fixtures.event("dog.unleashed", "d5", day: 731, agency: "jinan-dogs"), to: &state)
        #expect(fourth.map(\.requested) == [-12])
        #expect(fourth.map(\.pointsAfter) == [0])
        // Two years after the last offence the count starts again.
        _ = engine.apply(Fixtures.event("dog.rules_test_passed", "d6", day: 740, agency: "jinan-dogs"), to: &state)
        let fresh = engine.apply(Fixtures.event("dog.unleashed", "d7", day: 731 + 731, agency: "jinan-dogs"), to: &state)
        #expect(fresh.map(\.requested) == [-3])
        #expect(fresh.map(\.pointsAfter) == [9])
    }

    @Test func volunteeringForNonOwnersDoesNotOpenADogLicence() {
        var state = SubjectState(subject: Fixtures.person)
        let entries = engine.apply(Fixtures.event("deed.volunteering", "v1", agency: "collector"), to: &state)
        #expect(entries.map(\.scheme) == ["citizen"])
        _ = engine.apply(Fixtures.event("dog.unleashed", "d1", day: 1, agency: "jinan-dogs"), to: &state)
        let owner = engine.apply(Fixtures.event("deed.volunteering", "v2", day: 2, agency: "collector"), to: &state)
        #expect(owner.map(\.scheme) == ["citizen", "dog-owner"])
        #expect(owner.map(\.pointsAfter) == [1010, 11])
    }

    @Test func capLimitsPointsPerRollingYearFromOneRule() {
        var state = SubjectState(subject: Fixtures.person)
        let entries = run([0, 10, 20, 30, 40].enumerated().map { index, day in
            Fixtures.event("deed.volunteering", "v\(index)", day: Double(day), agency: "collector")
        }, state: &state)
        #expect(entries.map(\.delta) == [5, 5, 5, 5, 0])
        #expect(entries.map(\.pointsAfter) == [1005, 1010, 1015, 1020, 1020])
        #expect(entries.map(\.clampedAmount) == [0, 0, 0, 0, 5])
        #expect(entries[4].reason.contains("capped at 20 points per 1y"))
        // A year after the first: days 10, 20, 30 are still in the window (15 points), 5 left.
        let later = engine.apply(Fixtures.event("deed.volunteering", "v5", day: 366, agency: "collector"), to: &state)
        #expect(later.map(\.delta) == [5])
        let next = engine.apply(Fixtures.event("deed.volunteering", "v6", day: 367, agency: "collector"), to: &state)
        #expect(next.map(\.delta) == [0])
    }

    /// Only escalations, caps and retractions look at earlier entries; the scorer reads the
    /// history of no other subject, so this must not miss one.
    @Test func onlyEscalationsCapsAndRetractionsNeedHistory() {
        #expect(engine.needsHistory(Fixtures.event("dog.unleashed", "d1", agency: "jinan-dogs")))  // escalation
        #expect(engine.needsHistory(Fixtures.event("deed.volunteering", "v1", agency: "collector")))  // cap
        #expect(!engine.needsHistory(Fixtures.event("court.order_ignored", "c1")))
        #expect(!engine.needsHistory(Fixtures.event("loan.default", "p1", agency: "pboc")))
        #expect(engine.needsHistory(Fixtures.event("loan.default", "p2", agency: "pboc", retracts: "p1")))
        // A capped rule counts only when its conditions hold: 2 hours of gaming match no rule.
        #expect(engine.needsHistory(Fixtures.event("gaming.excessive_hours", "g1", attributes: ["hours": .number(5)])))
        #expect(!engine.needsHistory(Fixtures.event("gaming.excessive_hours", "g2", attributes: ["hours": .number(2)])))
        // ... and when its scheme scores the subject: no citizen cap for a company.
        #expect(!engine.needsHistory(Fixtures.event("deed.volunteering", "v2", subject: Fixtures.company, agency: "collector")))
    }

    @Test func expiryCompensatesAtTheExpiryInstant() {
        var state = SubjectState(subject: Fixtures.person)
        let smoking = engine.apply(Fixtures.event("smoking.no_smoking_area", "s1", agency: "railway"), to: &state)
        let court = engine.apply(Fixtures.event("court.order_ignored", "c1", day: 1), to: &state)
        #expect(smoking.map(\.pointsAfter) == [995])
        #expect(court.map(\.pointsAfter) == [945])
        #expect(engine.expire(at: Fixtures.start.addingTimeInterval(729 * Fixtures.day), in: &state).isEmpty)
        let twoYears = Fixtures.start.addingTimeInterval(730 * Fixtures.day)
        let expired = engine.expire(at: twoYears.addingTimeInterval(1), in: &state)
        #expect(expired.map(\.delta) == [5])
        #expect(expired.map(\.pointsAfter) == [950])
        #expect(expired.first?.cause == .expiry)
        #expect(expired.first?.reverses == smoking.first?.id)
        #expect(expired.first?.effectiveAt == twoYears)
        #expect(engine.expire(at: twoYears.addingTimeInterval(2), in: &state).isEmpty)
        // The court entry (5 years) expires later.
        let fiveYears = engine.expire(at: Fixtures.start.addingTimeInterval(6 * 365 * Fixtures.day), in: &state)
        #expect(fiveYears.map(\.pointsAfter) == [1000])
    }

    @Test func asOfBeforeAndAfterExpiry() throws {
        var state = SubjectState(subject: Fixtures.person)
        let entries = engine.apply(Fixtures.event("loan.default", "l1", day: 10, agency: "pboc"), to: &state)
        let citizen = try #require(Fixtures.rulebook.scheme("citizen"))
        let at = { (days: Double) in ScoreHistory.points(at: Fixtures.start.addingTimeInterval(days * Fixtures.day), scheme: citizen, entries: entries) }
        #expect(at(5) == 1000)       // before the event
        #expect(at(10) == 990)       // from the event time
        #expect(at(1000) == 990)     // 3 years minus a little later
        #expect(at(10 + 1096) == 1000)  // after the 3-year expiry, with the job not yet run
        // Same once the expiry job wrote the compensation.
        let all = entries + engine.expire(at: Fixtures.start.addingTimeInterval(2000 * Fixtures.day), in: &state)
        #expect(ScoreHistory.points(at: Fixtures.start.addingTimeInterval(1000 * Fixtures.day), scheme: citizen, entries: all) == 990)
        #expect(ScoreHistory.points(at: Fixtures.start.addingTimeInterval(1200 * Fixtures.day), scheme: citizen, entries: all) == 1000)
    }

    @Test func pointsAreClampedToTheSchemeBounds() {
        var state = SubjectState(subject: Fixtures.company)
        let entries = run((0..<21).map { Fixtures.event("company.fraud", "f\($0)", subject: Fixtures.company, day: Double($0), agency: "ndrc") },
                          state: &state)
        #expect(entries.allSatisfy { $0.scheme == "corporate" })
        #expect(entries[19].pointsAfter == 0)
        #expect(entries[20].delta == 0)
        #expect(entries[20].clampedAmount == -50)
        #expect(entries[20].gradeAfter == "D")
        #expect(entries[1].gradeAfter == "B")  // 900
    }

    @Test func retractionCompensatesWithTheAgencyNamed() {
        var state = SubjectState(subject: Fixtures.person)
        let original = engine.apply(Fixtures.event("loan.default", "pboc-1", agency: "pboc"), to: &state)
        #expect(original.map(\.pointsAfter) == [990])
        let retraction = engine.apply(Fixtures.event("loan.default", "pboc-2", day: 3, agency: "pboc", retracts: "pboc-1"), to: &state)
        #expect(retraction.map(\.delta) == [10])
        #expect(retraction.map(\.pointsAfter) == [1000])
        #expect(retraction.first?.reason == "retracted by pboc")
        #expect(retraction.first?.cause == .retraction)
        #expect(retraction.first?.reverses == original.first?.id)
        #expect(retraction.first?.eventID == "pboc-1")
        // Retracting again changes nothing; a retracted entry no longer expires.
        #expect(engine.apply(Fixtures.event("loan.default", "pboc-3", day: 4, agency: "pboc", retracts: "pboc-1"), to: &state).isEmpty)
        #expect(engine.expire(at: Fixtures.start.addingTimeInterval(5000 * Fixtures.day), in: &state).isEmpty)
    }

    @Test func attributeConditionsSelectTheRule() {
        var state = SubjectState(subject: Fixtures.person)
        let severities = (1...3).map { engine.apply(Fixtures.event("traffic.violation", "t\($0)", attributes: ["severity": .int(Int64($0))], agency: "traffic-police"), to: &state) }
        #expect(severities.map { $0.map(\.rule) } == [["citizen.traffic-minor@1"], ["citizen.traffic-serious@1"], ["citizen.traffic-grave@1"]])
        #expect(severities.map { $0.map(\.delta) } == [[-5], [-10], [-20]])
        let hours: [Double] = [2, 4.5, 12]
        let gaming = hours.enumerated().map { index, value in
            engine.apply(Fixtures.event("gaming.excessive_hours", "g\(index)", attributes: ["hours": .number(value)], agency: "cyberspace"), to: &state)
        }
        #expect(gaming.map { $0.map(\.delta) } == [[], [-5], [-10]])
        let news = engine.apply(Fixtures.event("online.fake_news", "n1", attributes: ["topic": "terrorism"], agency: "cyberspace"), to: &state)
        #expect(news.map(\.delta) == [-20, -30])
        #expect(news.last?.pointsAfter == 1000 - 35 - 15 - 50)
    }

    @Test func entryIdsAreDeterministic() {
        var first = SubjectState(subject: Fixtures.person), second = SubjectState(subject: Fixtures.person)
        let event = Fixtures.event("court.order_ignored", "c9")
        #expect(engine.apply(event, to: &first).map(\.id) == engine.apply(event, to: &second).map(\.id))
        #expect(engine.apply(event, to: &first).first?.scoreChange.id == MessageID.scoreChange(
            agency: "court", eventID: "c9", scheme: "citizen", rule: "citizen.court-order-ignored@1", cause: .event))
    }
}

/// Rulebook periods agree with the Gregorian calendar in UTC.
@Suite struct RulebookPeriodTests {
    @Test func periodsMatchTheGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let periods = ["2y", "1y", "6m", "1m", "30d", "1w", "5y"].compactMap(RulebookPeriod.init(text:))
        #expect(periods.count == 7)
        var rng = SplitMix64(seed: 3)
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_000_000_000, using: &rng)))
            for period in periods {
                let forward = DateComponents(year: period.years, month: period.months, day: period.days)
                let backward = DateComponents(year: -period.years, month: -period.months, day: -period.days)
                #expect(period.after(date) == calendar.date(byAdding: forward, to: date), "\(period) after \(date)")
                #expect(period.before(date) == calendar.date(byAdding: backward, to: date), "\(period) before \(date)")
            }
        }
        let leapDay = try #require(RFC3339.parse("2028-02-29T10:00:00Z"))
        #expect(RulebookPeriod(years: 1).after(leapDay) == RFC3339.parse("2029-02-28T10:00:00Z"))
        #expect(RulebookPeriod(text: "2x") == nil && RulebookPeriod(text: "0y") == nil && RulebookPeriod(text: "y") == nil)
    }
}
