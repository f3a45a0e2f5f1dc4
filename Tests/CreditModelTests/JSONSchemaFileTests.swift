import Foundation
import Testing
@testable import CreditModel

/// The JSON Schema files under `deploy/schemas/` agree with the Codable types.
@Suite struct JSONSchemaFileTests {
    static func schemaFile(_ name: String) throws -> [String: Any] {
        let url = Fixtures.repoRoot.appendingPathComponent("deploy/schemas/\(name.replacingOccurrences(of: "/", with: "-")).json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func keys(_ message: some Encodable) throws -> Set<String> {
        Set(try #require(try JSONSerialization.jsonObject(with: MessageCoding.encode(message)) as? [String: Any]).keys)
    }

    static func properties(_ schema: [String: Any]) -> [String: [String: Any]] {
        schema["properties"] as? [String: [String: Any]] ?? [:]
    }

    /// (minimal message: every optional nil, full message: every optional set).
    static let pipelineMessages: [(String, any Encodable & Sendable, any Encodable & Sendable)] = {
        let t = Fixtures.now
        let event = AgencyEvent(eventID: "e", subject: Fixtures.person, kind: "court.order_ignored", occurredAt: t)
        let full = AgencyEvent(eventID: "e", subject: Fixtures.person, kind: "court.order_ignored", occurredAt: t,
                               evidence: "x", retracts: "d")
        let notice = NoticeRequest(caseID: "c", subject: Fixtures.person, kind: .rewardInfo, measures: [], title: "t",
                                   reasons: [], requestedAt: t)
        let fullNotice = NoticeRequest(caseID: "c", subject: Fixtures.person, kind: .sanctionNotice, measures: [],
                                       title: "t", reasons: [], appealDays: 10, appealCode: "a", requestedAt: t)
        let error = MessageError(.invalidJSON, "m")
        return [
            (AcceptedEvent.schemaName, AcceptedEvent(event: event, agency: "court", receivedAt: t, source: .http),
             AcceptedEvent(event: full, agency: "court", receivedAt: t, source: .kafka(topic: "t", partition: 0, offset: 0))),
            (RejectedEvent.schemaName, RejectedEvent(raw: [], source: .http, agency: nil, eventID: nil, error: error, rejectedAt: t),
             RejectedEvent(raw: [], source: .http, agency: "a", eventID: "e", error: error, rejectedAt: t)),
            (ScoreChange.schemaName,
             ScoreChange(agency: "a", eventID: "e", subject: Fixtures.person, kind: "loan.default", scheme: "s", ruleID: "r",
                         ruleVersion: 1, delta: 1, pointsAfter: 1, gradeAfter: nil, reason: "r", occurredAt: t),
             ScoreChange(agency: "a", eventID: "e", subject: Fixtures.person, kind: "loan.default", scheme: "s", ruleID: "r",
                         ruleVersion: 1, delta: 1, pointsAfter: 1, gradeAfter: "A", reason: "r", occurredAt: t,
                         expiresAt: t, reverses: "x")),
            (Decision.schemaName,
             Decision(caseID: "c", subject: Fixtures.person, measure: "hotel.no_deposit", action: .granted, reason: "r",
                      effectiveAt: t, policy: "p@1"),
             Decision(caseID: "c", subject: Fixtures.person, measure: "hotel.no_deposit", action: .granted, reason: "r",
                      effectiveAt: t, expiresAt: t, policy: "p@1")),
            (NoticeRequest.schemaName, notice, fullNotice),
            (NoticeReceipt.schemaName, NoticeReceipt(request: notice, status: .failed, deliveredAt: nil, channel: .mailbox),
             NoticeReceipt(request: notice, status: .failed, deliveredAt: t, reason: "r", channel: .mailbox)),
        ]
    }()

    @Test(arguments: pipelineMessages.map(\.0))
    func requiredAndPropertiesMatchCodable(name: String) throws {
        let (_, minimal, full) = try #require(Self.pipelineMessages.first { $0.0 == name })
        let schema = try Self.schemaFile(name)
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["additionalProperties"] as? Bool == true)
        #expect(Set(schema["required"] as? [String] ?? []) == (try Self.keys(minimal)))
        #expect(Set(Self.properties(schema).keys) == (try Self.keys(full)))
        #expect(Self.properties(schema)["schema"]?["const"] as? String == name)
    }

    /// For the untrusted agency event, "required" means: removing it makes the validator reject.
    @Test func agencyEventRequiredMatchesValidator() throws {
        let schema = try Self.schemaFile(AgencyEvent.schemaName)
        let required = Set(schema["required"] as? [String] ?? [])
        let properties = Set(Self.properties(schema).keys)
        #expect(properties == Set(AgencyEventValidationTests.valid.keys))
        for field in properties {
            var object = AgencyEventValidationTests.valid
            object[field] = nil
            let rejected = (try? AgencyEvent.parse(AgencyEventValidationTests.bytes(object), now: Fixtures.now)) == nil
            #expect(rejected == required.contains(field), "field \(field)")
        }
    }

    @Test func enumsMatchCatalogs() throws {
        let kinds = Self.properties(try Self.schemaFile(AgencyEvent.schemaName))["kind"]?["enum"] as? [String]
        #expect(Set(kinds ?? []) == Set(EventKind.catalog.map(\.kind.rawValue)))
        let measures = Self.properties(try Self.schemaFile(Decision.schemaName))["measure"]?["enum"] as? [String]
        #expect(Set(measures ?? []) == Set(Measure.catalog.map(\.measure.rawValue)))
        let reasons = Self.properties(try Self.schemaFile(RejectedEvent.schemaName))["reason"]?["enum"] as? [String]
        #expect(reasons == RejectionReason.allCases.map(\.rawValue))
        let actions = Self.properties(try Self.schemaFile(Decision.schemaName))["action"]?["enum"] as? [String]
        #expect(actions == Decision.Action.allCases.map(\.rawValue))
    }
}
