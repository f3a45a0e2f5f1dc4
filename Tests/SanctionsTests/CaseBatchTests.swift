import CreditModel
import Foundation
import Pipeline
import PostgresClient
@testable import Sanctions
import Testing
import TestSupport

/// One consumer batch through `CaseEngine.apply(_:now:on:)`: its messages apply in order, a
/// later one seeing what an earlier one did to a case, and the batch reads what it needs in two
/// round trips however many cases it opens, closes or updates.
@Suite struct CaseBatchTests {
    @Test func aBatchAppliesInOrderInTwoRoundTripsWhateverItDoesToCases() async throws {
        let fixture = try await Fixtures.make()
        var rng = SplitMix64(seed: 11)
        let people = (0..<10).map { _ in SubjectCode.randomPerson(using: &rng) }
        // Five open cases (grade C), each in its own batch, as before.
        var notices: [NoticeRequest] = []
        for (n, person) in people[0..<5].enumerated() {
            let opened = try await fixture.apply(Fixtures.change(eventID: "open-\(n)", subject: person, delta: -200, pointsAfter: 800))
            notices += try Fixtures.notices(opened)
        }
        #expect(notices.count == 5)

        // One batch: the five notices delivered; then a recovery of the first person (withdraws
        // the case just noticed); five new cases; a court case opened and lifted for the second.
        let delivered = fixture.clock.now()
        var inputs = notices.map { CaseInput.receipt(NoticeReceipt(request: $0, status: .delivered, deliveredAt: delivered,
                                                                   channel: .mailbox)) }
        inputs.append(.scoreChange(Fixtures.change(eventID: "recover-0", subject: people[0], kind: "deed.volunteering",
                                                   delta: 200, pointsAfter: 1000)))
        for (n, person) in people[5...].enumerated() {
            inputs.append(.scoreChange(Fixtures.change(eventID: "open-\(n + 5)", subject: person, delta: -200, pointsAfter: 800)))
        }
        inputs.append(.acceptedEvent(Fixtures.event("court.order_ignored", id: "court-1", subject: people[1])))
        inputs.append(.acceptedEvent(Fixtures.event("court.order_complied", id: "court-2", subject: people[1])))
        let engine = fixture.engine, now = fixture.clock.now()
        let (roundTrips, outgoing) = try await fixture.pool.withTransaction { connection in
            let before = connection.roundTrips - connection.preparations
            let outgoing = try engine.apply(inputs, now: now, on: connection)
            return (connection.roundTrips - connection.preparations - before, outgoing)
        }
        #expect(roundTrips == 2, "processed ids, then conditions and cases in one pipeline; the writes go out with the commit (first PREPAREs not counted)")

        let sent = try Fixtures.notices(outgoing)
        #expect(sent.filter { $0.kind == .sanctionNotice }.map(\.subject) == Array(people[5...]) + [people[1]])
        #expect(sent.filter { $0.kind != .sanctionNotice }.map(\.subject) == [people[0], people[1]])
        #expect(try Fixtures.decisions(outgoing).isEmpty, "nothing was active, so nothing is imposed or lifted")

        let first = try #require(try await fixture.cases(of: people[0]).first)
        #expect(first.state == .withdrawn)
        #expect(first.deliveredAt == delivered)
        #expect(try await fixture.transitions(first.id).map(\.to) == [CaseState.proposed, .noticed, .withdrawn])
        for person in people[2..<5] {
            #expect(try await fixture.cases(of: person).map(\.state) == [.noticed])
        }
        for person in people[5...] {
            #expect(try await fixture.cases(of: person).map(\.state) == [.proposed])
        }
        let second = try await fixture.cases(of: people[1])
        #expect(second.map(\.policyID).sorted() == ["citizen.grade-c", "dishonest-debtor.person"])
        let court = try #require(second.first { $0.policyID == "dishonest-debtor.person" })
        #expect(try await fixture.transitions(court.id).map(\.to) == [CaseState.proposed, .withdrawn])
        await fixture.shutdown()
    }

    /// A batch's case writes go out together at its end (`CaseWrites`): a case closed and a new
    /// one opened for the same (subject, policy) in one batch (the close must reach the table
    /// first, or the second open case breaks `cases_one_open`), a case opened and retracted in one
    /// batch (the retraction reads the table, which must hold the new case), and every
    /// transition in order.
    @Test func writesGatheredInABatchKeepTheirOrderAndAreSeenByARetraction() async throws {
        let fixture = try await Fixtures.make()
        let opened = try await fixture.apply(Fixtures.change(eventID: "c1", delta: -200, pointsAfter: 800))
        let first = try #require(try Fixtures.notices(opened).first)
        try await fixture.deliver(first)
        let inputs: [CaseInput] = [
            .scoreChange(Fixtures.change(eventID: "up", kind: "deed.volunteering", delta: 100, pointsAfter: 900)),
            .scoreChange(Fixtures.change(eventID: "c2", delta: -100, pointsAfter: 800)),
            .acceptedEvent(Fixtures.event("court.order_ignored", id: "court-1")),
            .acceptedEvent(Fixtures.event("court.order_ignored", id: "court-1-retracted", retracts: "court-1")),
        ]
        let outgoing = try await fixture.run { engine, now, connection in try engine.apply(inputs, now: now, on: connection) }
        #expect(try Fixtures.notices(outgoing).map(\.kind) == [.liftInfo, .sanctionNotice, .sanctionNotice, .liftInfo])
        let cases = try await fixture.cases()
        let gradeC = cases.filter { $0.policyID == "citizen.grade-c" }
        #expect(gradeC.count == 2)
        let old = try #require(gradeC.first { $0.id == first.caseID }), new = try #require(gradeC.first { $0.id != first.caseID })
        #expect(old.state == .withdrawn && new.state == .proposed)
        #expect(try await fixture.transitions(old.id).map(\.to) == [CaseState.proposed, .noticed, .withdrawn])
        #expect(try await fixture.transitions(new.id).map(\.to) == [CaseState.proposed])
        let court = try #require(cases.first { $0.policyID == "dishonest-debtor.person" })
        #expect(court.state == .withdrawn)
        #expect(try await fixture.transitions(court.id).map(\.actor) == ["policy:\(court.policyReference)", "agency:court"])
        await fixture.shutdown()
    }

    /// A case id that is not a uuid fails the write, as a single row's `::uuid` cast did; it
    /// does not become a NULL that quietly matches no row.
    @Test func aMalformedCaseIDFailsTheWrite() async throws {
        let fixture = try await Fixtures.make()
        let opened = try await fixture.apply(Fixtures.change(eventID: "c1", delta: -200, pointsAfter: 800))
        var record = try #require(try await fixture.cases().first)
        #expect(try Fixtures.notices(opened).count == 1)
        record.id = "not-a-uuid"
        record.noticeFailure = "test"
        let store = fixture.engine.store, changed = record
        await #expect(throws: PostgresError.self) {
            try await fixture.pool.withTransaction { connection in
                try store.update(changed, from: changed.state, actor: "test", reason: "", at: Fixtures.start, on: connection)
            }
        }
        #expect(try await fixture.cases().map(\.noticeFailure) == [nil])
        await fixture.shutdown()
    }

    /// The batch knows the open case of each pair it touches: a second event of a policy whose
    /// case the batch itself opened opens nothing, as a stored open case would.
    @Test func anOpenCaseFromEarlierInTheBatchIsNotOpenedAgain() async throws {
        let fixture = try await Fixtures.make()
        let inputs: [CaseInput] = [
            .acceptedEvent(Fixtures.event("court.order_ignored", id: "court-a")),
            .acceptedEvent(Fixtures.event("court.order_ignored", id: "court-b")),
        ]
        let outgoing = try await fixture.run { engine, now, connection in try engine.apply(inputs, now: now, on: connection) }
        #expect(try Fixtures.notices(outgoing).count == 1)
        #expect(try await fixture.cases().count == 1)
        await fixture.shutdown()
    }
}
