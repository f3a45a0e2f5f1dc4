import CreditCtlKit
import CreditModel
import Foundation
import Testing

/// Which event the benchmark measures a decision from (`DecisionTracer`), on made-up changes.
@Suite struct DecisionTracerTests {
    static let subject = try! SubjectCode(validating: "11010519491231002X")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func change(_ eventID: String, scheme: String = "citizen", cause: ScoreChange.Cause = .event) -> ScoreChange {
        ScoreChange(agency: "court", eventID: eventID, subject: subject, kind: "court.order_ignored", scheme: scheme,
                    ruleID: "r", ruleVersion: 1, delta: -5, pointsAfter: 995, gradeAfter: "A", reason: "test",
                    occurredAt: now, cause: cause)
    }

    static func decision(_ action: Decision.Action, policy: String, caseID: String = "case") -> Decision {
        Decision(caseID: caseID, subject: subject, measure: "public-blacklist", action: action, reason: "test",
                 effectiveAt: now, policy: "\(policy)@1")
    }

    /// The case id a state policy's opening derives from `change`.
    static func caseID(policy: String, opener change: ScoreChange) -> String {
        MessageID.sanctionsCase(subject: subject, policyID: policy, cause: MessageID.sanctionsCaseCause(scoreChange: change.id))
    }

    @Test func openingsAreTracedByCaseIDAndClosingsToTheLatestChangeOnTheScheme() {
        var tracer = DecisionTracer(statePolicies: ["citizen": ["citizen.grade-d"]])
        let first = Self.change("e1"), second = Self.change("e2"), other = Self.change("e3", scheme: "corporate")
        for change in [first, second, other] { tracer.remember(change) }
        let opening = Self.decision(.imposed, policy: "citizen.grade-d", caseID: Self.caseID(policy: "citizen.grade-d", opener: first))
        #expect(tracer.trigger(of: opening) == "e1", "the change the case id names, not the latest")
        #expect(tracer.exactDecisions == 1)
        #expect(tracer.trigger(of: Self.decision(.lifted, policy: "citizen.grade-d")) == "e2", "the latest on the scheme")
        #expect(tracer.trigger(of: Self.decision(.imposed, policy: "citizen.grade-d", caseID: "unknown")) == nil)
        #expect(tracer.exactDecisions == 1)
    }

    @Test func decisionsAfterCompensatingChangesAndEventPolicyClosingsAreNotTraced() {
        var tracer = DecisionTracer(statePolicies: ["citizen": ["citizen.grade-aa"]])
        tracer.remember(Self.change("e1"))
        // A retraction's change names the retracted event e1, not the retracting one.
        let retraction = Self.change("e1", cause: .retraction)
        tracer.remember(retraction)
        #expect(tracer.trigger(of: Self.decision(.revoked, policy: "citizen.grade-aa")) == nil)
        let opened = Self.decision(.granted, policy: "citizen.grade-aa",
                                   caseID: Self.caseID(policy: "citizen.grade-aa", opener: retraction))
        #expect(tracer.trigger(of: opened) == nil)
        #expect(tracer.exactDecisions == 0)
        tracer.remember(Self.change("e2", cause: .expiry))
        #expect(tracer.trigger(of: Self.decision(.revoked, policy: "citizen.grade-aa")) == nil)
        // An event policy's lifting event need not change a score: its closing is not traced.
        tracer.remember(Self.change("e3"))
        #expect(tracer.trigger(of: Self.decision(.lifted, policy: "dishonest-debtor.person")) == nil)
        #expect(tracer.trigger(of: Self.decision(.revoked, policy: "citizen.grade-aa")) == "e3")
    }
}
