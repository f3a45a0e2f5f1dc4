import CreditModel
import Foundation
import Hummingbird
import HummingbirdTesting
import Pipeline
@testable import Sanctions
import ServiceSupport
import Testing

/// The HTTP API: appeals, reviews, lists and the subject's view of cases and lookups.
@Suite struct RoutesTests {
    static let officerToken = "officer-secret-1"
    static let enforcerToken = "enforcer-secret-1"

    func app(_ fixture: Fixtures) -> some ApplicationProtocol {
        let routes = SanctionsRoutes(pool: fixture.pool, engine: fixture.engine, clock: fixture.clock,
                                     officers: Credentials(tokens: ["wang": Self.officerToken]),
                                     enforcers: Credentials(tokens: ["air-china": Self.enforcerToken]), publisher: nil)
        let router = Router()
        router.middlewares.add(APIErrorMiddleware())
        routes.add(to: router)
        return Application(router: router)
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    @Test func appealReviewAndLateAppealOverHTTP() async throws {
        let fixture = try await Fixtures.make()
        let first = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "h1"))).first)
        let late = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "h2",
                                                                                             subject: Fixtures.otherPerson))).first)
        try await fixture.deliver(first)
        try await fixture.deliver(late)
        let deadline = fixture.clock.now().addingTimeInterval(10 * Fixtures.day)
        try await app(fixture).test(.router) { client in
            let appeal = #"{"appeal_code":"\#(first.appealCode ?? "")","statement":"I complied"}"#
            try await client.execute(uri: "/v1/cases/\(first.caseID)/appeal", method: .post,
                                     body: ByteBuffer(string: #"{"appeal_code":"AAAAA-BBBBB"}"#)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v1/cases/\(first.caseID)/appeal", method: .post, body: ByteBuffer(string: "{nope")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/cases/not-a-case/appeal", method: .post, body: ByteBuffer(string: appeal)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/cases/\(first.caseID)/appeal", method: .post, body: ByteBuffer(string: appeal)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""state":"under_appeal""#))
            }
            let review = ByteBuffer(string: #"{"outcome":"overturned","reason":"the order was complied with"}"#)
            try await client.execute(uri: "/v1/cases/\(first.caseID)/review", method: .post, body: review) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/cases/\(first.caseID)/review", method: .post, headers: Self.bearer("wrong-token-x"),
                                     body: review) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/cases/\(first.caseID)/review", method: .post, headers: Self.bearer(Self.officerToken),
                                     body: review) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""state":"withdrawn""#))
            }
            try await client.execute(uri: "/v1/cases/\(first.caseID)/review", method: .post, headers: Self.bearer(Self.officerToken),
                                     body: review) { response in
                #expect(response.status == .conflict)
            }
            fixture.clock.advance(by: 10 * Fixtures.day + 1)
            let lateAppeal = #"{"appeal_code":"\#(late.appealCode ?? "")"}"#
            try await client.execute(uri: "/v1/cases/\(late.caseID)/appeal", method: .post, body: ByteBuffer(string: lateAppeal)) { response in
                #expect(response.status == .conflict)
                let body = String(buffer: response.body)
                #expect(body.contains(#""error":"appeal_window_closed""#))
                #expect(body.contains(#""deadline":"\#(RFC3339.format(deadline))""#))
            }
        }
        let transitions = try await fixture.transitions(first.caseID)
        #expect(transitions.map(\.to) == [.proposed, .noticed, .underAppeal, .withdrawn])
        #expect(transitions.map(\.actor).suffix(2) == ["subject", "officer:wang"])
        await fixture.shutdown()
    }

    @Test func listsNeedAnEnforcerTokenAndAPurposeAndEveryLookupIsShownToTheSubject() async throws {
        let fixture = try await Fixtures.make()
        let notice = try #require(try Fixtures.notices(try await fixture.apply(Fixtures.event("court.order_ignored", id: "l1"))).first)
        try await fixture.deliver(notice)
        fixture.clock.advance(by: 10 * Fixtures.day + 1)
        try await fixture.run { engine, now, connection in try engine.activateDue(now: now, limit: 10, on: connection).messages }
        try await fixture.apply(Fixtures.change(eventID: "r1", subject: Fixtures.otherPerson, kind: "deed.blood_donation", delta: 60,
                                                pointsAfter: 1060))
        let person = Fixtures.person.rawValue
        try await app(fixture).test(.router) { client in
            try await client.execute(uri: "/v1/lists/blacklist?purpose=ticket", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/lists/blacklist", method: .get, headers: Self.bearer(Self.enforcerToken)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("missing_purpose"))
            }
            try await client.execute(uri: "/v1/lists/greylist?purpose=x", method: .get, headers: Self.bearer(Self.enforcerToken)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/lists/blacklist?purpose=ticket%20sale", method: .get,
                                     headers: Self.bearer(Self.enforcerToken)) { response in
                #expect(response.status == .ok)
                let body = try MessageCoding.makeDecoder().decode(ListBody.self, from: Data(buffer: response.body))
                #expect(body.entries.map(\.subject) == [person])
            }
            try await client.execute(uri: "/v1/lists/redlist/\(Fixtures.otherPerson.rawValue)?purpose=hotel%20deposit", method: .get,
                                     headers: Self.bearer(Self.enforcerToken)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""listed":true"#))
            }
            try await client.execute(uri: "/v1/lists/redlist/\(person)?purpose=hotel", method: .get,
                                     headers: Self.bearer(Self.enforcerToken)) { response in
                #expect(String(buffer: response.body).contains(#""listed":false"#))
            }
            try await client.execute(uri: "/v1/subjects/\(person)/cases", method: .get) { response in
                #expect(response.status == .ok)
                let body = try MessageCoding.makeDecoder().decode(CasesBody.self, from: Data(buffer: response.body))
                #expect(body.cases.map(\.record.state) == [.active])
                #expect(body.cases.first?.transitions.map(\.to) == [.proposed, .noticed, .active])
                #expect(body.listLookups.map { "\($0.list) \($0.enforcer) \($0.purpose) \($0.listed)" }
                            == ["blacklist air-china ticket sale true", "redlist air-china hotel false"])
            }
            try await client.execute(uri: "/v1/subjects/11010119900307451X/cases", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
        await fixture.shutdown()
    }
}
