import CreditModel
import Foundation
@testable import Sanctions
import ServiceSupport
import Testing

/// Pure parts: the transition table, appeal codes, tokens, configuration.
@Suite struct UnitTests {
    /// The evaluator's arranged lookups answer exactly what filtering the rulebook answers.
    @Test func policyLookupsMatchTheRulebook() {
        let rulebook = Fixtures.rulebook
        let evaluator = PolicyEvaluator(rulebook: rulebook)
        let kinds = Set(rulebook.rules.map(\.kind) + rulebook.policies.flatMap { policy -> [EventKind] in
            if case .event(let kind, let liftedBy) = policy.trigger { return [kind] + liftedBy }
            return []
        })
        var found = 0
        for type in SubjectType.allCases {
            for scheme in rulebook.schemes.map(\.id) {
                let expected = rulebook.policies.filter { policy in
                    guard policy.subjectTypes.contains(type), case .state(let watched, _) = policy.trigger else { return false }
                    return watched == scheme
                }.map(\.id)
                #expect(evaluator.statePolicies(scheme: scheme, for: type).map(\.policy.id) == expected)
                found += expected.count
            }
            for kind in kinds {
                let triggered = rulebook.policies.filter { policy in
                    guard policy.subjectTypes.contains(type), case .event(let trigger, _) = policy.trigger else { return false }
                    return trigger == kind
                }.map(\.id)
                let lifted = rulebook.policies.filter { policy in
                    guard policy.subjectTypes.contains(type), case .event(_, let lifting) = policy.trigger else { return false }
                    return lifting.contains(kind)
                }.map(\.id)
                #expect(evaluator.policies(triggeredBy: kind, for: type).map(\.id) == triggered)
                #expect(evaluator.policies(liftedBy: kind, for: type).map(\.id) == lifted)
                found += triggered.count + lifted.count
            }
        }
        #expect(found > 0)  // the default rulebook has policies of both sorts
    }

    /// A score change crosses a state policy when the state before it (`pointsAfter - delta`)
    /// and the state after it disagree on a watched condition; a grade change between unwatched
    /// grades, or a change on a scheme nothing watches for its subject's type, crosses none.
    @Test func aScoreChangeCrossesAStatePolicyOnlyWhenAWatchedConditionFlips() throws {
        let evaluator = PolicyEvaluator(rulebook: Fixtures.rulebook)
        func crosses(_ scheme: String, _ before: Int, _ after: Int, subject: SubjectCode = Fixtures.person) -> Bool {
            evaluator.crossesStatePolicy(Fixtures.change(scheme: scheme, eventID: "e", subject: subject, delta: after - before,
                                                         pointsAfter: after))
        }
        #expect(!crosses("citizen", 1000, 990))  // A to A
        #expect(!crosses("citizen", 965, 950))  // A to B: no policy watches either
        #expect(crosses("citizen", 860, 840))  // B to C: enters grade C
        #expect(crosses("citizen", 700, 550))  // C to D: leaves C, enters D
        #expect(crosses("citizen", 590, 610))  // D to C, the way back
        #expect(crosses("citizen", 1040, 1060))  // AA to AAA
        #expect(!crosses("citizen", 550, 550))  // held at a bound: nothing moved
        #expect(crosses("dog-owner", 3, 0))  // reaching 0 points
        #expect(!crosses("dog-owner", 12, 9))
        #expect(!crosses("corporate", 1000, 500))  // no corporate policy applies to persons
        var rng = SplitMix64(seed: 3)
        #expect(crosses("corporate", 700, 500, subject: SubjectCode.randomCompany(using: &rng)))
    }

    @Test func onlyTheTransitionsOfDesignSectionSevenAreAllowed() {
        let allowed = CaseState.allCases.flatMap { from in
            CaseState.allCases.filter { from.allows($0, kind: .sanction) }.map { "\(from.rawValue)>\($0.rawValue)" }
        }
        #expect(Set(allowed) == ["proposed>noticed", "proposed>under_appeal", "proposed>withdrawn", "noticed>active",
                                 "noticed>under_appeal", "noticed>withdrawn", "under_appeal>active", "under_appeal>withdrawn",
                                 "active>lifted"])
        #expect(!CaseState.proposed.allows(.active, kind: .sanction))
        #expect(!CaseState.noticed.allows(.active, kind: .reward))
        #expect(CaseState.active.allows(.lifted, kind: .reward))
    }

    @Test func appealCodesAreRandomAndStoredHashed() {
        let code = AppealCode.generate()
        #expect(code.count == 11)
        #expect(code != AppealCode.generate())
        let stored = AppealCode.hash(code)
        #expect(!stored.contains(code))
        #expect(AppealCode.matches(code.lowercased(), stored: stored))
        #expect(!AppealCode.matches("AAAAA-AAAAA", stored: stored))
    }

    @Test func tokensAreNamedAndCheckedByHash() throws {
        let credentials = try Credentials(list: "wang:secret-token-1, bare-token-22", defaultName: "officer")
        #expect(credentials.identify(authorization: "Bearer secret-token-1") == "wang")
        #expect(credentials.identify(authorization: "bearer bare-token-22") == "officer")
        #expect(credentials.identify(authorization: "Bearer nope") == nil)
        #expect(credentials.identify(authorization: nil) == nil)
        #expect(throws: CredentialsError.self) { try Credentials(list: "x:short", defaultName: "officer") }
    }

    @Test func configurationReadsTheEnvironment() throws {
        let env = EnvironmentReader(["DATABASE_URL": "postgresql://x", "KAFKA_BOOTSTRAP": "k:9092", "SANCTIONS_SCHEMA": "s2",
                                     "SANCTIONS_DECISIONS_TOPIC": "d2", "SANCTIONS_ENFORCER_TOKENS": "airline:enforcer-123",
                                     "SANCTIONS_OFFICER_TOKEN": "stack-officer-token"])
        let configuration = try SanctionsConfiguration.fromEnvironment(env)
        #expect(configuration.schema == "s2")
        #expect(configuration.topics.decisions == "d2")
        #expect(configuration.topics.consumed == [Topics.scoresChanged, Topics.eventsAccepted, Topics.notificationsDelivered])
        #expect(configuration.http.port == 8083)
        #expect(configuration.enforcers.identify("enforcer-123") == "airline")
        #expect(configuration.officers.identify("stack-officer-token") == "officer")
        #expect(throws: ConfigurationError.self) {
            try SanctionsConfiguration.fromEnvironment(EnvironmentReader(["DATABASE_URL": "x", "KAFKA_BOOTSTRAP": "k",
                                                                          "SANCTIONS_ENFORCER_TOKEN": "short"]))
        }
    }

    @Test func everyDecisionOfACaseHasItsOwnID() {
        let ids = Set(["travel.flight_ban", "hotel.luxury_ban"].flatMap { measure in
            Decision.Action.allCases.map { MessageID.decision(caseID: "c", measure: Measure(rawValue: measure), action: $0) }
        })
        #expect(ids.count == 8)
        #expect(ids.allSatisfy { UUID(uuidString: $0) != nil })
    }
}
