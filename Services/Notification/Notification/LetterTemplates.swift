import CreditModel
import Foundation

/// The plain-English letters, one template file per notice kind (`notice-<kind>.txt`, e.g.
/// `deploy/templates/notice-sanction_notice.txt`), loaded once at start. A template uses
/// `{{placeholder}}`s from `LetterTemplates.placeholders`; an unknown one is an error at load.
public struct LetterTemplates: Sendable {
    /// The placeholders a template may use.
    public static let placeholders: Set<String> = [
        "subject", "case_id", "request_id", "title", "measures", "reasons", "sent_at",
        "appeal_days", "appeal_deadline", "appeal_code",
    ]

    /// Each kind's template split into text and placeholders once, at load (`render` only joins).
    private let parts: [NoticeRequest.Kind: [TemplatePart]]

    /// Templates from text (every kind must be present).
    public init(templates: [NoticeRequest.Kind: String]) throws(LetterTemplateError) {
        var parts: [NoticeRequest.Kind: [TemplatePart]] = [:]
        for kind in NoticeRequest.Kind.allCases {
            guard let text = templates[kind] else { throw LetterTemplateError(kind: kind, problem: "is missing") }
            parts[kind] = TemplatePart.split(text)
            for case .placeholder(let name) in parts[kind] ?? [] where !Self.placeholders.contains(name) {
                throw LetterTemplateError(kind: kind, problem: "uses the unknown placeholder {{\(name)}}")
            }
        }
        self.parts = parts
    }

    /// Loads `notice-<kind>.txt` for every kind from `directory`.
    public static func load(directory: URL) throws -> LetterTemplates {
        var templates: [NoticeRequest.Kind: String] = [:]
        for kind in NoticeRequest.Kind.allCases {
            let file = directory.appendingPathComponent("notice-\(kind.rawValue).txt")
            do {
                templates[kind] = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw LetterTemplateError(kind: kind, problem: "cannot be read from \(file.path): \(error)")
            }
        }
        return try LetterTemplates(templates: templates)
    }

    /// The letter for `request`, sent at `sentAt` (a sanction notice's appeal deadline counts
    /// from then).
    public func render(_ request: NoticeRequest, sentAt: Date) -> String {
        let values = Self.values(for: request, sentAt: sentAt)
        // Text from the request is never substituted into: only the template's own parts are.
        var letter = ""
        for part in parts[request.kind] ?? [] {
            switch part {
            case .text(let text): letter += text
            case .placeholder(let name): letter += values[name] ?? ""
            }
        }
        return letter
    }

    /// The appeal deadline of a sanction notice delivered at `deliveredAt`, nil for other kinds.
    public static func appealDeadline(for request: NoticeRequest, deliveredAt: Date) -> Date? {
        request.appealDays.map { deliveredAt.addingTimeInterval(TimeInterval($0) * 86_400) }
    }

    /// A time as the letters show it: `9 December 2026, 10:00 UTC`.
    /// Plain arithmetic, not `DateFormatter`: creating a formatter per letter was a tenth of
    /// notification's CPU time in the pipeline benchmark.
    public static func plainDate(_ date: Date) -> String {
        let day = CivilDate(date)
        let minuteOfDay = Int((date.timeIntervalSince1970 - day.startDate.timeIntervalSince1970) / 60)
        let hour = minuteOfDay / 60, minute = minuteOfDay % 60
        return "\(day.day) \(monthNames[day.month - 1]) \(day.year), \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) UTC"
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December"]

    private static func values(for request: NoticeRequest, sentAt: Date) -> [String: String] {
        let measures = request.measures.map { measure in
            "  - \(measure.rawValue)" + (measure.definition.map { ": the subject \($0.summary)" } ?? "")
        }
        let deadline = appealDeadline(for: request, deliveredAt: sentAt).map(plainDate)
        return [
            "subject": request.subject.rawValue, "case_id": request.caseID, "request_id": request.id,
            "title": request.title, "sent_at": plainDate(sentAt),
            "measures": measures.isEmpty ? "  (none)" : measures.joined(separator: "\n"),
            "reasons": request.reasons.isEmpty ? "  (none given)" : request.reasons.map { "  - \($0)" }.joined(separator: "\n"),
            "appeal_days": request.appealDays.map(String.init) ?? "", "appeal_deadline": deadline ?? "",
            "appeal_code": request.appealCode ?? "",
        ]
    }
}

/// A letter template that is missing or malformed.
public struct LetterTemplateError: Error, CustomStringConvertible, Sendable {
    /// The notice kind whose template is at fault.
    public let kind: NoticeRequest.Kind
    /// What is wrong.
    public let problem: String
    /// `letter template <kind> <problem>`.
    public var description: String { "letter template \(kind.rawValue) \(problem)" }
}
