// The terminal tables of the services' answers, shared by the commands and the demo.
import Foundation

extension ScoresAnswer {
    /// One row per scheme: points, grade and bounds.
    public func table() -> TextTable {
        TextTable([.init("scheme"), .init("points", .right), .init("grade"), .init("initial", .right), .init("range")],
                  rows: schemes.map { ["\($0.scheme)", "\($0.points)", $0.grade ?? "-", "\($0.initial)", "\($0.min)…\($0.max)"] })
    }
}

extension LedgerAnswer {
    /// One row per entry, newest first: the change, the rule and the plain-language reason.
    public func table() -> TextTable {
        TextTable([.init("seq", .right), .init("occurred"), .init("scheme"), .init("delta", .right), .init("points", .right),
                   .init("grade"), .init("rule"), .init("cause"), .init("agency/event"), .init("reason")],
                  rows: entries.map { entry in
                      [String(entry.seq), TimeText.short(entry.occurredAt), entry.scheme, TimeText.signed(entry.delta),
                       String(entry.pointsAfter), entry.gradeAfter ?? "-", entry.rule, entry.cause,
                       "\(entry.agency)/\(entry.eventID)", entry.reason]
                  })
    }
}

extension CasesAnswer {
    /// One row per case: policy, state, measures and the dates of its due process.
    public func table() -> TextTable {
        TextTable(headers: ["case", "policy", "kind", "state", "measures", "opened", "appeal deadline", "active since", "closed"],
                  rows: cases.map { item in
                      [item.caseID, "\(item.policyID)@\(item.policyVersion)", item.kind, item.state,
                       item.measures.joined(separator: ", "), TimeText.short(item.openedAt),
                       item.appealDeadline.map(TimeText.short) ?? "-", item.activeSince.map(TimeText.short) ?? "-",
                       item.closedAt.map(TimeText.short) ?? "-"]
                  })
    }

    /// One row per transition of every case: who moved it, when and why.
    public func transitionTable() -> TextTable {
        TextTable(headers: ["case", "at", "from", "to", "actor", "reason"],
                  rows: cases.flatMap { item in
                      item.transitions.map { [String(item.caseID.prefix(8)), TimeText.short($0.at), $0.from ?? "-", $0.to, $0.actor, $0.reason] }
                  })
    }

    /// One row per list lookup about the subject.
    public func lookupTable() -> TextTable {
        TextTable(headers: ["at", "list", "enforcer", "purpose", "listed"],
                  rows: listLookups.map { [TimeText.short($0.at), $0.list, $0.enforcer, $0.purpose, $0.listed ? "yes" : "no"] })
    }
}

extension NoticesAnswer {
    /// One row per notice with its delivery.
    public func table() -> TextTable {
        TextTable(headers: ["requested", "kind", "status", "channel", "delivered", "case", "title"],
                  rows: notices.map { notice in
                      [TimeText.short(notice.requestedAt), notice.kind, notice.status, notice.channel ?? "-",
                       notice.deliveredAt.map(TimeText.short) ?? "-", String(notice.caseID.prefix(8)), notice.title]
                  })
    }
}

extension ListAnswer {
    /// One row per listed subject.
    public func table() -> TextTable {
        TextTable(headers: ["subject", "policy", "since", "case"],
                  rows: entries.map { [$0.subject, $0.policy, $0.since.map(TimeText.short) ?? "-", $0.caseID] })
    }
}

/// Short forms of the services' values for tables.
public enum TimeText {
    /// `2026-11-20T09:30:00.123Z` → `2026-11-20 09:30:00`; other text unchanged.
    public static func short(_ text: String) -> String {
        guard text.count >= 19 else { return text }
        let prefix = text.prefix(19)
        return prefix.replacingOccurrences(of: "T", with: " ")
    }

    /// `+5`, `-50`, `0`.
    public static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }
}
