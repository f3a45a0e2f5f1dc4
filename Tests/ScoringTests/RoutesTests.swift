import CreditModel
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Scoring
import ServiceSupport
import Testing

/// `GET /v1/subjects/{code}/scores[?as_of=]` and `GET /v1/subjects/{code}/ledger`.
@Suite struct RoutesTests {
    func app(_ db: DatabaseFixture) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: APIErrorMiddleware())
        ScoringRoutes(pool: db.pool, ledger: db.scorer.ledger, rulebook: Fixtures.rulebook).add(to: router)
        return Application(router: router)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: JSONValue] {
        try #require(try MessageCoding.makeDecoder().decode(JSONValue.self, from: Data(buffer: buffer)).objectValue)
    }

    @Test func scoresNowAndAsOfBeforeAndAfterExpiry() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score([Fixtures.event("loan.default", "l1", day: 10, agency: "pboc"),
                            Fixtures.event("dog.unleashed", "d1", day: 20, agency: "jinan-dogs")])
        try await app(db).test(.router) { client in
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/scores", method: .get) { response in
                #expect(response.status == .ok)
                let body = try MessageCoding.makeDecoder().decode(ScoresResponse.self, from: Data(buffer: response.body))
                #expect(body.schemes.map(\.scheme) == ["citizen", "dog-owner"])
                #expect(body.schemes.map(\.points) == [990, 9])
                #expect(body.schemes.map(\.grade) == ["A", "licensed"])
            }
            // Before anything happened: the initial citizen score, no dog licence yet.
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/scores?as_of=2026-01-05T00:00:00Z", method: .get) { response in
                let body = try MessageCoding.makeDecoder().decode(ScoresResponse.self, from: Data(buffer: response.body))
                #expect(body.schemes.map(\.points) == [1000])
                #expect(body.asOf == RFC3339.parse("2026-01-05T00:00:00Z"))
            }
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/scores?as_of=2027-06-01T00:00:00Z", method: .get) { response in
                let body = try MessageCoding.makeDecoder().decode(ScoresResponse.self, from: Data(buffer: response.body))
                #expect(body.schemes.map(\.points) == [990, 9])
            }
            // After both expiries (loan 3 years, dog 2 years), before the expiry job ran.
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/scores?as_of=2029-02-01T00:00:00Z", method: .get) { response in
                let body = try MessageCoding.makeDecoder().decode(ScoresResponse.self, from: Data(buffer: response.body))
                #expect(body.schemes.map(\.points) == [1000, 12])
            }
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/scores?as_of=yesterday", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try json(response.body)
                #expect(body["error"] == "invalid_as_of")
            }
            try await client.execute(uri: "/v1/subjects/11010119900307451X/scores", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try json(response.body)
                #expect(body["error"] == "invalid_subject")
            }
            try await client.execute(uri: "/v1/subjects/\(Fixtures.company)/scores", method: .get) { response in
                let body = try MessageCoding.makeDecoder().decode(ScoresResponse.self, from: Data(buffer: response.body))
                #expect(body.schemes.map(\.scheme) == ["corporate"])
                #expect(body.schemes.map(\.points) == [1000])
            }
        }
        await db.shutdown()
    }

    @Test func ledgerIsPagedNewestFirstWithReasons() async throws {
        let db = try await DatabaseFixture.make()
        try await db.score((0..<5).map { Fixtures.event("smoking.no_smoking_area", "s\($0)", day: Double($0), agency: "railway") })
        try await app(db).test(.router) { client in
            var next: String?
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/ledger?limit=3", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                let entries = body["entries"]?.arrayValue ?? []
                #expect(entries.map { $0["event_id"] } == ["s4", "s3", "s2"])
                #expect(entries.map { $0["points_after"] } == [975, 980, 985])
                #expect(entries.first?["rule"] == "citizen.smoking@1")
                #expect(entries.first?["reason"] == "You smoked in a no-smoking area.")
                next = body["next"]?.stringValue
            }
            let cursor = try #require(next)
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/ledger?limit=3&before=\(cursor)", method: .get) { response in
                let body = try json(response.body)
                #expect((body["entries"]?.arrayValue ?? []).map { $0["event_id"] } == ["s1", "s0"])
                #expect(body["next"] == .null || body["next"] == nil)
            }
            try await client.execute(uri: "/v1/subjects/\(Fixtures.person)/ledger?limit=0", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
        await db.shutdown()
    }
}
