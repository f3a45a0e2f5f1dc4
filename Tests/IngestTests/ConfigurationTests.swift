import CreditModel
import Foundation
import Ingest
import ServiceSupport
import Testing

@Suite struct ConfigurationTests {
    @Test func topicsNameTheirAgency() {
        let plain = AgencyTopics()
        #expect(plain.pattern == Topics.agencyEventsPattern)
        #expect(plain.agency(fromTopic: "agency.jinan-dogs.events") == "jinan-dogs")
        #expect(plain.agency(fromTopic: "agency..events") == nil)
        #expect(plain.agency(fromTopic: "events.accepted") == nil)
        let prefixed = AgencyTopics(prefix: "t-1.")
        #expect(prefixed.pattern == "^t-1\\.agency\\.[a-z0-9-]+\\.events$")
        #expect(prefixed.topic(for: "court") == "t-1.agency.court.events")
        #expect(prefixed.agency(fromTopic: "t-1.agency.court.events") == "court")
        #expect(prefixed.agency(fromTopic: "agency.court.events") == nil)
    }

    @Test func tokensAreParsedAndMatchedByHash() throws {
        let plain = try AgencyTokens.parse("court:s1, jinan-dogs:s2\n# comment\n\ntraffic-police:a:b")
        #expect(plain == ["court": "s1", "jinan-dogs": "s2", "traffic-police": "a:b"])
        let tokens = AgencyTokens(plain: plain)
        #expect(tokens.agency(forToken: "s2") == "jinan-dogs")
        #expect(tokens.agency(forToken: "s3") == nil)
        #expect(tokens.entries.allSatisfy { $0.hash.count == 64 && !["s1", "s2", "a:b"].contains($0.hash) })
        #expect(throws: TokenConfigurationError.self) { try AgencyTokens.parse("court") }
        #expect(throws: TokenConfigurationError.self) { try AgencyTokens.parse("Not An Agency:x") }
    }

    @Test func environmentOverridesTheContractDefaults() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let defaults = try IngestConfiguration.fromEnvironment(EnvironmentReader([
            "DATABASE_URL": "postgresql://x", "INGEST_AGENCIES_FILE": root.appendingPathComponent("deploy/agencies.yaml").path,
        ]))
        #expect(defaults.schema == "ingest" && defaults.groupID == "ingest" && defaults.http.port == 8081)
        #expect(defaults.acceptedTopic == "events.accepted" && defaults.rejectedTopic == "events.rejected")
        #expect(defaults.topics.pattern == Topics.agencyEventsPattern)
        let custom = try IngestConfiguration.fromEnvironment(EnvironmentReader([
            "DATABASE_URL": "postgresql://x", "INGEST_AGENCIES_FILE": root.appendingPathComponent("deploy/agencies.yaml").path,
            "INGEST_SCHEMA": "s", "INGEST_HTTP_PORT": "9000", "INGEST_AGENCY_TOKENS": "court:abc", "INGEST_TOPIC_PREFIX": "p.",
        ]))
        #expect(custom.schema == "s" && custom.http.port == 9000 && custom.tokens == ["court": "abc"])
        #expect(custom.topics.topic(for: "court") == "p.agency.court.events")
    }
}
