import CreditCtlKit
import Foundation
import Testing
import Yams

/// `docker-compose.yml` runs the four services against Kafka (KRaft) and PostgreSQL, and sets
/// for each service every variable it reads that has no safe production default.
@Suite struct ComposeFileTests {
    static var root: String { E2EWorld.repositoryRoot }

    static func compose() throws -> [String: Any] {
        let text = try String(contentsOfFile: "\(root)/docker-compose.yml", encoding: .utf8)
        guard let document = normalized(try Yams.load(yaml: text)) as? [String: Any] else {
            throw ComposeProblem("docker-compose.yml is not a mapping")
        }
        return document
    }

    static func variables() throws -> [StackService: ServiceVariables] {
        Dictionary(uniqueKeysWithValues: try StackService.allCases.map { ($0, try ServiceVariables.of($0, root: root)) })
    }

    /// YAML mappings as `[String: Any]`, recursively.
    static func normalized(_ value: Any?) -> Any? {
        if let mapping = value as? [AnyHashable: Any] {
            return Dictionary(uniqueKeysWithValues: mapping.map { ("\($0.key.base)", normalized($0.value) as Any) })
        }
        if let list = value as? [Any] { return list.map { normalized($0) as Any } }
        return value
    }

    @Test func sourcesYieldTheVariablesTheServicesRead() throws {
        let variables = try Self.variables()
        // A sample of what the scan must find, so that a broken scan cannot pass everything.
        #expect(variables[.ingest]?.required.contains("DATABASE_URL") == true)
        #expect(variables[.ingest]?.read.isSuperset(of: ["INGEST_AGENCY_TOKENS", "INGEST_HTTP_HOST", "LOG_LEVEL"]) == true)
        #expect(variables[.scoring]?.read.isSuperset(of: ["SCORING_RULEBOOK", "SCORING_HTTP_PORT", "KAFKA_BOOTSTRAP"]) == true)
        #expect(variables[.sanctions]?.required.isSuperset(of: ["DATABASE_URL", "KAFKA_BOOTSTRAP"]) == true)
        #expect(variables[.sanctions]?.tokenGroups["SANCTIONS_OFFICER_TOKEN"] == ["SANCTIONS_OFFICER_TOKEN", "SANCTIONS_OFFICER_TOKENS"])
        #expect(variables[.notification]?.devDefaults.contains("NOTIFICATION_MAILBOX_DIR") == true)
        #expect(variables[.notification]?.read.contains("SANCTIONS_OFFICER_TOKEN") == false)
    }

    @Test func composeRunsTheServicesWithEverythingTheyNeed() throws {
        let problems = ComposeCheck.problems(compose: try Self.compose(), variables: try Self.variables())
        #expect(problems.isEmpty, "docker-compose.yml:\n\(problems.joined(separator: "\n"))")
    }

    @Test func theCheckCatchesAMissingVariableAndATypo() throws {
        var compose = try Self.compose()
        var services = try #require(compose["services"] as? [String: Any])
        var sanctions = try #require(services["sanctions"] as? [String: Any])
        var environment = try #require(sanctions["environment"] as? [String: Any])
        environment.removeValue(forKey: "KAFKA_BOOTSTRAP")
        environment.removeValue(forKey: "SANCTIONS_ENFORCER_TOKEN")
        environment["SANCTIONS_OFICER_TOKEN"] = "typo"
        sanctions["environment"] = environment
        services["sanctions"] = sanctions
        services.removeValue(forKey: "postgres")
        compose["services"] = services
        let problems = ComposeCheck.problems(compose: compose, variables: try Self.variables())
        #expect(problems.contains("sanctions: KAFKA_BOOTSTRAP is not set (it has no safe production default)"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("sanctions: no token configured for SANCTIONS_ENFORCER_TOKEN") }, "\(problems)")
        #expect(problems.contains("sanctions: sets SANCTIONS_OFICER_TOKEN, which the service does not read"), "\(problems)")
        #expect(problems.contains("no PostgreSQL service (an image `postgres:...`)"), "\(problems)")
    }
}
