import CreditModel
import Foundation
import Pipeline
import PostgresClient
@testable import Sanctions
import ServiceSupport
import Testing
import TestSupport

/// The due-process flows of DESIGN §7 driven through the engine against the real database.
@Suite struct CaseFlowTests {
    @Test func courtOrderIgnoredIsNoticedActivatedAndLiftedByCompliance() async throws {
        let fixture = try await Fixtures.make()
        let opened = try await fixture.apply(Fixtures.event("court.order_ignored", id: "court-1"))
        #expect(try Fixtures.decisions(opened).isEmpty)
        let notice = try #require(try Fixtures.notices(opened).first)
        #expect(notice.kind == .sanctionNotice)
        #expect(notice.appealDays == 10)
        #expect(notice.appealCode?.isEmpty == false)
        #expect(notice.measures.contains(Measure(rawValue: "travel.flight_ban")))
        #expect(notice.reasons.contains { $0.contains("court-1") })
        #expect(try await fixture.cases().map(\.state) == [.proposed])

        fixture.clock.advance(by: 3600)
        try await fixture.deliver(notice)
        var record = try #require(try await fixture.cases().first)
        #expect(record.state == .noticed)
        #expect(record.appealDeadline == fixture.clock.now().addingTimeInterval(10 * Fixtures.day))

        fixture.clock.advance(by: 10 * Fixtures.day - 1)
        let early = try await fixture.run { engine, now, connection in try engine.activateDue(now: now, limit: 10, on: connection).messages }
        #expect(early.isEmpty)
        fixture.clock.advance(by: 2)
        let imposed = try Fixtures.decisions(try await fixture.run { engine, now, connection in
            try engine.activateDue(now: now, limit: 10, on: connection).messages
        })
        #expect(imposed.count == 5)
        #expect(imposed.allSatisfy { $0.action == .imposed && $0.subject == Fixtures.person && $0.caseID == record.id })
        #expect(imposed.contains { $0.measure == Measure(rawValue: "travel.flight_ban") })
        #expect(Set(imposed.map(\.id)).count == 5)
        record = try #require(try await fixture.cases().first)
        #expect(record.state == .active)

        let lifted = try await fixture.apply(Fixtures.event("court.order_complied", id: "court-2"))
        #expect(try Fixtures.decisions(lifted).map(\.action) == Array(repeating: .lifted, count: 5))
        #expect(try Fixtures.notices(lifted).map(\.kind) == [.liftInfo])
        let transitions = try await fixture.transitions(record.id)
        #expect(transitions.map(\.to) == [.proposed, .noticed, .active, .lifted])
        #expect(transitions.map(\.actor) == ["policy:dishonest-debtor.person@1", "notification", "system:deadline", "agency:court"])
        #expect(transitions.allSatisfy { !$0.reason.isEmpty })
        await fixture.shutdown()
    }

    /// The dishonest-debtor listing lasts two years (duration_days: 730): the deadline job lifts
    /// it then, with a decision per measure, even if the debtor never complied.
    @Test func activeMeasuresEndWithThePolicyDuration() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "dur-1"))).first)
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day + 1)
        let imposed = try Fixtures.decisions(try await fixture.run { engine, now, connection in
            try engine.activateDue(now: now, limit: 10, on: connection).messages
        })
        let activatedAt = fixture.clock.now()
        let end = activatedAt.addingTimeInterval(730 * Fixtures.day)
        #expect(imposed.count == 5)
        #expect(imposed.allSatisfy { $0.expiresAt == end })
        #expect(try await fixture.cases().first?.expiresAt == end)

        fixture.clock.advance(by: 730 * Fixtures.day - 1)
        let early = try await fixture.run { engine, now, connection in try engine.liftExpired(now: now, limit: 10, on: connection).messages }
        #expect(early.isEmpty)
        fixture.clock.advance(by: 1)
        let ended = try await fixture.run { engine, now, connection in try engine.liftExpired(now: now, limit: 10, on: connection).messages }
        #expect(try Fixtures.decisions(ended).map(\.action) == Array(repeating: .lifted, count: 5))
        #expect(try Fixtures.notices(ended).map(\.kind) == [.liftInfo])
        let record = try #require(try await fixture.cases().first)
        #expect(record.state == .lifted)
        #expect(try await fixture.transitions(record.id).last?.actor == "system:duration")
        await fixture.shutdown()
    }

    /// A case lasts as long as the policy version it opened under said, even if a later rulebook
    /// (loaded before the case becomes active) changes the duration.
    @Test func durationIsFixedByThePolicyVersionTheCaseOpenedUnder() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "dur-v"))).first)
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day + 1)

        var changed = Fixtures.rulebook
        let index = try #require(changed.policies.firstIndex { $0.id == "dishonest-debtor.person" })
        changed.policies[index].version += 1
        changed.policies[index].durationDays = 30
        let newer = CaseEngine(policies: PolicyEvaluator(rulebook: changed), store: CaseStore(schema: fixture.schema),
                               messages: CaseMessages())
        let now = fixture.clock.now()
        let imposed = try Fixtures.decisions(try await fixture.pool.withTransaction { connection in
            try newer.activateDue(now: now, limit: 10, on: connection).messages
        })
        #expect(imposed.count == 5)
        #expect(imposed.allSatisfy { $0.expiresAt == now.addingTimeInterval(730 * Fixtures.day) })
        #expect(try await fixture.cases().first?.durationDays == 730)
        await fixture.shutdown()
    }

    @Test func appealUpheldActivatesOverturnedWithdrawsAndTheSameCauseDoesNotReopen() async throws {
        let fixture = try await Fixtures.make()
        // Upheld.
        let first = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "c-up"))).first)
        try await fixture.deliver(first)
        fixture.clock.advance(by: 2 * Fixtures.day)
        let appealed = try await fixture.pool.withTransaction { [engine = fixture.engine, now = fixture.clock.now()] connection in
            try engine.appeal(caseID: first.caseID, code: first.appealCode ?? "", statement: "I paid", now: now, on: connection)
        }
        #expect(appealed.state == .underAppeal)
        fixture.clock.advance(by: 20 * Fixtures.day)
        #expect(try await fixture.run { engine, now, connection in try engine.activateDue(now: now, limit: 10, on: connection).messages }.isEmpty)
        let upheld = try await fixture.run { engine, now, connection in
            try engine.review(caseID: first.caseID, outcome: .upheld, officer: "wang", reason: "no proof of payment", now: now,
                              on: connection).1
        }
        #expect(try Fixtures.decisions(upheld).map(\.action) == Array(repeating: .imposed, count: 5))
        #expect(try await fixture.transitions(first.caseID).last?.actor == "officer:wang")

        // Overturned: a grade-D case, withdrawn; staying in D does not reopen it, re-entering D does.
        let other = Fixtures.otherPerson
        let entered = try await fixture.apply(Fixtures.change(eventID: "e1", subject: other, delta: -500, pointsAfter: 500))
        let notice = try #require(try Fixtures.notices(entered).first)
        try await fixture.deliver(notice)
        _ = try await fixture.pool.withTransaction { [engine = fixture.engine, now = fixture.clock.now()] connection in
            try engine.appeal(caseID: notice.caseID, code: notice.appealCode ?? "", statement: nil, now: now, on: connection)
        }
        let overturned = try await fixture.run { engine, now, connection in
            try engine.review(caseID: notice.caseID, outcome: .overturned, officer: "li", reason: "wrong subject", now: now,
                              on: connection).1
        }
        #expect(try Fixtures.decisions(overturned).isEmpty)
        #expect(try await fixture.cases(of: other).map(\.state) == [.withdrawn])
        #expect(try await fixture.apply(Fixtures.change(eventID: "e2", subject: other, delta: -10, pointsAfter: 490)).isEmpty)
        #expect(try await fixture.cases(of: other).count == 1)
        try await fixture.apply(Fixtures.change(eventID: "e3", subject: other, kind: "deed.volunteering", delta: 500, pointsAfter: 990))
        fixture.clock.advance(by: 60)
        let reentered = try await fixture.apply(Fixtures.change(eventID: "e4", subject: other, delta: -400, pointsAfter: 590))
        #expect(try Fixtures.notices(reentered).map(\.kind) == [.sanctionNotice])
        #expect(try await fixture.cases(of: other).map(\.state) == [.withdrawn, .proposed])
        await fixture.shutdown()
    }

    /// A retraction carries the retracted event's kind; retracting a `court.order_complied`
    /// must not count as compliance and lift the listing.
    @Test func retractingALiftingEventDoesNotLift() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "r-1"))).first)
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day + 1)
        _ = try await fixture.run { engine, now, connection in try engine.activateDue(now: now, limit: 10, on: connection).messages }
        let retraction = try await fixture.apply(Fixtures.event("court.order_complied", id: "r-3", retracts: "r-2"))
        #expect(try Fixtures.decisions(retraction).isEmpty)
        #expect(try await fixture.cases().map(\.state) == [.active])
        await fixture.shutdown()
    }

    /// At the deadline itself the window is closed: the deadline job may activate the case then.
    @Test func appealAtExactlyTheDeadlineIsRefused() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "edge"))).first)
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day)
        let engine = fixture.engine
        await #expect(throws: CaseError.self) {
            try await fixture.pool.withTransaction { [now = fixture.clock.now()] connection in
                _ = try engine.appeal(caseID: notice.caseID, code: notice.appealCode ?? "", statement: nil, now: now, on: connection)
            }
        }
        await fixture.shutdown()
    }

    @Test func appealAfterTheDeadlineOrWithAWrongCodeIsRefused() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "late"))).first)
        try await fixture.deliver(notice)
        let deadline = fixture.clock.now().addingTimeInterval(10 * Fixtures.day)
        let engine = fixture.engine
        await #expect(throws: CaseError.self) {
            try await fixture.pool.withTransaction { [now = fixture.clock.now()] connection in
                _ = try engine.appeal(caseID: notice.caseID, code: "WRONG-CODE0", statement: nil, now: now, on: connection)
            }
        }
        fixture.clock.advance(by: 10 * Fixtures.day + 60)
        do {
            _ = try await fixture.pool.withTransaction { [now = fixture.clock.now()] connection in
                try engine.appeal(caseID: notice.caseID, code: notice.appealCode ?? "", statement: nil, now: now, on: connection)
            }
            Issue.record("a late appeal was accepted")
        } catch let error as CaseError {
            guard case .appealWindowClosed(let reported) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reported == deadline)
        }
        #expect(try await fixture.cases().first?.state == .noticed)
        await fixture.shutdown()
    }

    @Test func deadlinesSurviveARestart() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "restart"))).first)
        try await fixture.deliver(notice)
        await fixture.shutdown()

        // A new process: fresh pool, engine and job over the same schema; the clock moved on.
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 2),
                                logger: Fixtures.logger)
        let clock = ManualWallClock(fixture.clock.now().addingTimeInterval(11 * Fixtures.day))
        let job = DeadlineJob(engine: Fixtures.engine(schema: fixture.schema), pool: pool, clock: clock, publisher: nil,
                              logger: Fixtures.logger)
        #expect(try await job.runOnce() == 1)
        #expect(try await job.runOnce() == 0)
        let outbox = try await pool.withConnection { try await Outbox(schema: fixture.schema).pending(limit: 100, on: $0) }
        let imposed = try Fixtures.decisions(outbox.map(\.message))
        #expect(imposed.count == 5 && imposed.allSatisfy { $0.action == .imposed })
        await pool.shutdown()
    }

    /// Score changes that cross no state policy's condition are neither recorded nor read for:
    /// only the crossing ones leave a `processed_messages` row, and cases follow the crossings.
    @Test func onlyCrossingScoreChangesAreRecordedAndTheyOpenAndCloseCases() async throws {
        let fixture = try await Fixtures.make()
        let steps: [(id: String, delta: Int, after: Int)] = [
            ("a1", -10, 990), ("a2", -20, 970), ("b1", -100, 870),  // A, A, B: nothing watched
            ("c1", -100, 770),  // enters grade C
            ("c2", -50, 720), ("c3", +30, 750),  // stays in C
            ("b2", +120, 870),  // recovers: leaves C
        ]
        var notices: [NoticeRequest] = []
        for step in steps {
            notices += try Fixtures.notices(try await fixture.apply(Fixtures.change(eventID: step.id, delta: step.delta,
                                                                                    pointsAfter: step.after)))
        }
        let recorded = try await fixture.pool.query("SELECT count(*) FROM \(identifier: fixture.schema).processed_messages")
            .map { try $0.decode(Int.self, at: 0) }
        #expect(recorded == [2], "only c1 and b2 crossed a condition")
        #expect(notices.map(\.kind) == [.sanctionNotice, .liftInfo])
        let cases = try await fixture.cases()
        #expect(cases.map(\.policyID) == ["citizen.grade-c"])
        #expect(cases.map(\.state) == [.withdrawn])
        await fixture.shutdown()
    }

    @Test func theSameScoreChangeTwiceOpensOneCase() async throws {
        let fixture = try await Fixtures.make()
        let change = Fixtures.change(eventID: "twice", delta: -450, pointsAfter: 550)
        let first = try await fixture.apply(change)
        let second = try await fixture.apply(change)
        #expect(try Fixtures.notices(first).count == 1)
        #expect(second.isEmpty)
        #expect(try await fixture.cases().map(\.policyID) == ["citizen.grade-d"])
        await fixture.shutdown()
    }

    /// Migration 5 turns the stored keys into digests with the same function as the service:
    /// a score change processed before it is still a redelivery after it.
    @Test func keysProcessedBeforeTheDigestMigrationStayProcessed() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 2),
                                logger: Fixtures.logger)
        let schema = TestEnvironment.uniqueName("sanctions").replacingOccurrences(of: "-", with: "_")
        try await pool.migrate(schema: schema, migrations: SanctionsSchema.migrations.filter { $0.version < 5 })
        let change = Fixtures.change(eventID: "before", delta: -450, pointsAfter: 550)
        let engine = Fixtures.engine(schema: schema)
        let key = try #require(engine.processedKey(of: .scoreChange(change)))
        try await pool.execute("INSERT INTO \(identifier: schema).processed_messages (message_id) VALUES (\(key))")
        try await SanctionsService.migrate(schema: schema, pool: pool)
        let stored = try await pool.query("SELECT message_key FROM \(identifier: schema).processed_messages").map {
            try $0.decode(UUID.self, at: 0)
        }
        #expect(stored == [CaseStore.processedDigest(of: key)])
        let fixture = Fixtures(pool: pool, schema: schema, engine: engine, clock: ManualWallClock(Fixtures.start))
        #expect(try await fixture.apply(change).isEmpty)  // already processed: no case, no notice
        #expect(try await fixture.cases().isEmpty)
        // A new one is recorded under its digest, once.
        let next = Fixtures.change(eventID: "after", delta: -450, pointsAfter: 550)
        #expect(try Fixtures.notices(try await fixture.apply(next)).count == 1)
        #expect(try await fixture.apply(next).isEmpty)
        await fixture.shutdown()
    }

    @Test func dogOwnerLosingAllPointsIsConfiscatedUntilTheRulesTest() async throws {
        let fixture = try await Fixtures.make()
        for (id, delta, after) in [("d1", -3, 9), ("d2", -6, 3)] {
            #expect(try await fixture.apply(Fixtures.change(scheme: "dog-owner", eventID: id, kind: "dog.unleashed", delta: delta,
                                                             pointsAfter: after)).isEmpty)
        }
        let zero = try await fixture.apply(Fixtures.change(scheme: "dog-owner", eventID: "d3", kind: "dog.unleashed", delta: -3,
                                                           pointsAfter: 0))
        let notice = try #require(try Fixtures.notices(zero).first)
        #expect(notice.measures == [Measure(rawValue: "dog.confiscation")])
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day + 1)
        let imposed = try Fixtures.decisions(try await fixture.run { engine, now, connection in
            try engine.activateDue(now: now, limit: 10, on: connection).messages
        })
        #expect(imposed.map(\.measure) == [Measure(rawValue: "dog.confiscation")])
        let restored = try await fixture.apply(Fixtures.change(scheme: "dog-owner", eventID: "test", kind: "dog.rules_test_passed",
                                                               delta: 12, pointsAfter: 12))
        #expect(try Fixtures.decisions(restored).map(\.action) == [.lifted])
        #expect(try await fixture.cases().map(\.state) == [.lifted])
        await fixture.shutdown()
    }

    @Test func aaaRewardIsGrantedAtOnceThenRevoked() async throws {
        let fixture = try await Fixtures.make()
        let granted = try await fixture.apply(Fixtures.change(eventID: "good", kind: "deed.blood_donation", delta: 55, pointsAfter: 1055))
        let grants = try Fixtures.decisions(granted)
        #expect(grants.count == 6)
        #expect(grants.allSatisfy { $0.action == .granted })
        #expect(try Fixtures.notices(granted).map(\.kind) == [.rewardInfo])
        #expect(try await fixture.cases().map(\.state) == [.active])

        fixture.clock.advance(by: 60)
        let dropped = try await fixture.apply(Fixtures.change(eventID: "bad", delta: -10, pointsAfter: 1045))
        let actions = try Fixtures.decisions(dropped).map { "\($0.action.rawValue) \($0.policy)" }
        #expect(actions.filter { $0 == "revoked citizen.grade-aaa@1" }.count == 6)
        #expect(actions.filter { $0 == "granted citizen.grade-aa@1" }.count == 2)
        #expect(try await fixture.cases().map(\.state) == [.lifted, .active])
        await fixture.shutdown()
    }

    @Test func retractionWithdrawsAPendingCaseAndMeasuresBindOnlyTheSubject() async throws {
        let fixture = try await Fixtures.make()
        try await fixture.apply(Fixtures.event("court.order_ignored", id: "wrong"))
        let retracted = try await fixture.apply(Fixtures.event("court.order_ignored", id: "fix", retracts: "wrong"))
        #expect(try Fixtures.decisions(retracted).isEmpty)
        #expect(try Fixtures.notices(retracted).map(\.kind) == [.liftInfo])
        #expect(try await fixture.cases().map(\.state) == [.withdrawn])
        #expect(try await fixture.cases(of: Fixtures.otherPerson).isEmpty)
        // A company's court order opens the organisation policy, not the person's.
        try await fixture.apply(Fixtures.event("court.order_ignored", id: "co", subject: Fixtures.company))
        #expect(try await fixture.cases(of: Fixtures.company).map(\.policyID) == ["dishonest-debtor.organisation"])
        await fixture.shutdown()
    }

    @Test func aFailedNoticeKeepsTheCaseProposedAndRecoveryBeforeActiveWithdrawsIt() async throws {
        let fixture = try await Fixtures.make()
        let opened = try await fixture.apply(Fixtures.change(eventID: "c1", delta: -200, pointsAfter: 800))
        let notice = try #require(try Fixtures.notices(opened).first)
        #expect(try await fixture.cases().map(\.policyID) == ["citizen.grade-c"])
        try await fixture.apply(NoticeReceipt(request: notice, status: .failed, deliveredAt: nil, reason: "no channel", channel: .mailbox))
        var record = try #require(try await fixture.cases().first)
        #expect(record.state == .proposed)
        #expect(record.noticeFailure == "no channel")
        fixture.clock.advance(by: 30 * Fixtures.day)
        #expect(try await fixture.run { engine, now, connection in try engine.activateDue(now: now, limit: 10, on: connection).messages }.isEmpty)
        let recovered = try await fixture.apply(Fixtures.change(eventID: "c2", kind: "deed.volunteering", delta: 200, pointsAfter: 1000))
        #expect(try Fixtures.decisions(recovered).isEmpty)
        #expect(try Fixtures.notices(recovered).map(\.kind) == [.liftInfo])
        record = try #require(try await fixture.cases().first)
        #expect(record.state == .withdrawn)
        #expect(try await fixture.transitions(record.id).map(\.to) == [.proposed, .withdrawn])
        await fixture.shutdown()
    }
}
