import Foundation
@testable import CreditModel

/// Shared test data and helpers.
enum Fixtures {
    /// The repository root: `CREDIT_REPO_ROOT`, else three levels above this file.
    static let repoRoot: URL = {
        if let root = ProcessInfo.processInfo.environment["CREDIT_REPO_ROOT"], !root.isEmpty {
            return URL(fileURLWithPath: root)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    /// A fixed "now" for validation tests.
    static let now = RFC3339.parse("2026-11-20T12:00:00Z")!
    static let person = try! SubjectCode(validating: "11010519491231002X")
    static let company = try! SubjectCode(validating: "91350100M000100Y43")
    static let government = try! SubjectCode(validating: "12100000400000624D")

    static func date(_ text: String) -> Date { RFC3339.parse(text)! }

    static func loadRegistry() throws -> AgencyRegistry {
        try AgencyRegistry.load(contentsOf: repoRoot.appendingPathComponent("deploy/agencies.yaml"))
    }
}
