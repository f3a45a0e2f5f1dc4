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
