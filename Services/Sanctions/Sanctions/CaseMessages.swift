import CreditModel
import Foundation
import Pipeline

/// Builds the outgoing messages of a case: `decision/1` on the decisions topic (one per
/// measure) and `notice-request/1` on the notices topic, keyed by the subject.
public struct CaseMessages: Sendable {
    /// Where decisions go (`sanctions.decisions`).
    public let decisionTopic: String
    /// Where notices go (`notifications.requested`).
    public let noticeTopic: String

    /// Creates the builder.
    public init(decisionTopic: String = Topics.sanctionsDecisions, noticeTopic: String = Topics.notificationsRequested) {
        self.decisionTopic = decisionTopic
        self.noticeTopic = noticeTopic
    }

    /// One decision per measure of `record`.
    public func decisions(for record: SanctionCase, action: Decision.Action, reason: String, at time: Date) throws -> [OutboxMessage] {
        try record.measures.map { measure in
            let decision = Decision(caseID: record.id, subject: record.subject, measure: measure, action: action, reason: reason,
                                    effectiveAt: time, expiresAt: action == .imposed ? record.expiresAt : nil,
                                    policy: record.policyReference)
            return try Self.message(id: decision.id, topic: decisionTopic, key: record.subject.rawValue, payload: decision)
        }
    }

    /// The notice of `kind` about `record`.
    public func notice(for record: SanctionCase, kind: NoticeRequest.Kind, title: String, reasons: [String],
                       appealCode: String? = nil, at time: Date) throws -> OutboxMessage {
        let request = NoticeRequest(caseID: record.id, subject: record.subject, kind: kind, measures: record.measures, title: title,
                                    reasons: reasons, appealDays: kind == .sanctionNotice ? record.appealDays : nil,
                                    appealCode: appealCode, requestedAt: time)
        return try Self.message(id: request.id, topic: noticeTopic, key: record.subject.rawValue, payload: request)
    }

    /// The sanction notice of a new case: the measures, the reasons, the deadline rule and how to appeal.
    public func sanctionNotice(for record: SanctionCase, appealCode: String, at time: Date) throws -> OutboxMessage {
        let measures = record.measures.map { measure in
            "Measure \(measure): you \(measure.definition?.summary ?? "are subject to it")."
        }
        let due = "You may appeal within \(record.appealDays) days of receiving this notice: POST /v1/cases/\(record.id)/appeal "
            + "with your appeal code \(appealCode). Without an appeal the measures take effect when that window ends; "
            + "with one, an officer decides first."
        return try notice(for: record, kind: .sanctionNotice, title: "Sanctions proposed: \(Self.list(record.measures))",
                          reasons: record.reasons + measures + [due], appealCode: appealCode, at: time)
    }

    /// The informational notice of a granted reward.
    public func rewardNotice(for record: SanctionCase, at time: Date) throws -> OutboxMessage {
        try notice(for: record, kind: .rewardInfo, title: "Rewards granted: \(Self.list(record.measures))", reasons: record.reasons,
                   at: time)
    }

    /// The notice that a case ended (lifted, revoked or withdrawn) and why.
    public func closingNotice(for record: SanctionCase, reason: String, at time: Date) throws -> OutboxMessage {
        let verb = switch (record.kind, record.state) {
        case (.reward, _): "Rewards revoked"
        case (.sanction, .withdrawn): "Proposed sanctions withdrawn"
        default: "Sanctions lifted"
        }
        return try notice(for: record, kind: .liftInfo, title: "\(verb): \(Self.list(record.measures))", reasons: [reason], at: time)
    }

    private static func list(_ measures: [Measure]) -> String { measures.map(\.rawValue).joined(separator: ", ") }

    private static func message(id: String, topic: String, key: String, payload: some Encodable) throws -> OutboxMessage {
        guard let uuid = UUID(uuidString: id) else { throw InvalidMessageID(id: id) }
        return OutboxMessage(id: uuid, topic: topic, key: key, payload: Array(try MessageCoding.encode(payload)))
    }

    /// A derived id that is not a UUID (cannot happen with `MessageID`).
    struct InvalidMessageID: Error, CustomStringConvertible {
        let id: String
        var description: String { "message id '\(id)' is not a UUID" }
    }
}
