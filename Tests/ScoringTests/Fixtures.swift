import CreditModel
import Foundation
@testable import Scoring

/// Shared test data: the default rulebook, subjects and event builders.
enum Fixtures {
    /// The repository root, from this file's path.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `deploy/rulebooks/default.yaml`.
    static let defaultRulebookURL = repoRoot.appendingPathComponent("deploy/rulebooks/default.yaml")
    /// The default rulebook, loaded once.
    static let rulebook: Rulebook = try! Rulebook.load(contentsOf: defaultRulebookURL)

    static let person = try! SubjectCode(validating: "110101199003074514")
    static let otherPerson = try! SubjectCode(validating: "440524188001010014")
    static let company = try! SubjectCode(validating: "91350100M000100Y43")

    /// 2026-01-01T00:00:00Z.
    static let start = Date(timeIntervalSince1970: 1_767_225_600)
    static let day: TimeInterval = 86_400

    /// An accepted event `days` after `start`.
    static func event(_ kind: EventKind, _ id: String, subject: SubjectCode = person, day days: Double = 0,
                      attributes: [String: JSONValue] = [:], agency: String = "court", retracts: String? = nil) -> AcceptedEvent {
        let time = start.addingTimeInterval(days * day)
        let agencyEvent = AgencyEvent(eventID: id, subject: subject, kind: kind, occurredAt: time, attributes: attributes,
                                      retracts: retracts)
        return AcceptedEvent(event: agencyEvent, agency: agency, receivedAt: time, source: .http)
    }
}

extension JSONValue {
    /// The elements, if an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}
