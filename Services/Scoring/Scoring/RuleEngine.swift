import CreditModel
import Foundation

/// The pure scoring function: given a subject's state and an accepted event (or an expiry
/// instant), the ledger entries to append. No I/O, no clock: the ledger is a function of the
/// events in consumption order and the rulebook, which is what replay checks.
///
/// Order of adjustments for one rule match: escalation picks the requested points, the cap
/// cuts them to what is left in the rule's period, then the scheme's bounds clamp the result.
/// The entry records the requested points and what applied, so `clamped_amount` shows both
/// cuts together and the reason says which applied.
public struct RuleEngine: Sendable {
    /// The rulebook applied.
    public let rulebook: Rulebook

    /// Creates an engine for `rulebook`.
    public init(rulebook: Rulebook) { self.rulebook = rulebook }

    /// Applies `event` to `state` and returns the new entries (also appended to the state's
    /// history and balances). A retraction reverses the retracted event's unreversed entries
    /// instead of matching rules.
    public func apply(_ event: AcceptedEvent, to state: inout SubjectState) -> [LedgerEntry] {
        if let target = event.retracts {
            return retract(agency: event.agency, eventID: target, at: event.occurredAt, in: &state)
        }
        var entries: [LedgerEntry] = []
        for rule in rulebook.rules(for: event.kind) {
            guard let scheme = matchingScheme(of: rule, for: event),
                  !rule.onlyIfEnrolled || state.points[scheme.id] != nil else { continue }
            let entry = score(event, rule: rule, scheme: scheme, state: state)
            state.points[scheme.id] = entry.pointsAfter
            state.history.append(entry)
            entries.append(entry)
        }
        return entries
    }

    /// Whether applying `event` looks at the subject's earlier entries: a retraction reverses
    /// them, and a matching rule with an escalation or a cap counts them. Any other event needs
    /// only the balances, so the scorer reads no history for a subject whose events in a batch
    /// are all of that sort (most of them: history was scoring's largest read).
    public func needsHistory(_ event: AcceptedEvent) -> Bool {
        event.retracts != nil || rulebook.rules(for: event.kind).contains { rule in
            (rule.escalation != nil || rule.cap != nil) && matchingScheme(of: rule, for: event) != nil
        }
    }

    /// The scheme of `rule` when the rule applies to `event` whatever the subject's state: the
    /// scheme scores the subject's type and the event meets the rule's conditions.
    private func matchingScheme(of rule: Rule, for event: AcceptedEvent) -> Scheme? {
        guard let scheme = rulebook.scheme(rule.scheme), scheme.subjectTypes.contains(event.subjectType),
              rule.conditions.allSatisfy({ $0.holds(for: event.attributes) }) else { return nil }
        return scheme
    }

    /// Compensating entries for every entry in `state` that has expired by `now` and is not
    /// yet reversed; each counts from its own expiry instant.
    public func expire(at now: Date, in state: inout SubjectState) -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        for index in state.history.indices {
            let original = state.history[index]
            guard let expiresAt = original.expiresAt, expiresAt <= now, !original.isReversed, original.delta != 0 else { continue }
            let reason = "expired: the \(original.delta > 0 ? "+" : "")\(original.delta) points of \(original.rule) "
                + "from \(RFC3339.format(original.occurredAt)) no longer count"
            let entry = compensate(original, cause: .expiry, reason: reason, at: expiresAt, in: &state)
            state.history[index].isReversed = true
            entries.append(entry)
        }
        return entries
    }

    /// Reverses the entries of `agency`'s event `eventID`: "retracted by <agency>".
    func retract(agency: String, eventID: String, at time: Date, in state: inout SubjectState) -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        for index in state.history.indices {
            let original = state.history[index]
            guard original.agency == agency, original.eventID == eventID, original.cause == .event,
                  !original.isReversed else { continue }
            let entry = compensate(original, cause: .retraction, reason: "retracted by \(agency)",
                                   at: max(time, original.occurredAt), in: &state)
            state.history[index].isReversed = true
            state.history[index].isRetracted = true
            entries.append(entry)
        }
        return entries
    }

    /// The entry that undoes `original`'s applied points (clamped to the bounds like any change).
    private func compensate(_ original: LedgerEntry, cause: ScoreChange.Cause, reason: String, at effective: Date,
                            in state: inout SubjectState) -> LedgerEntry {
        let scheme = rulebook.scheme(original.scheme)
        let before = state.points[original.scheme] ?? scheme?.initialPoints ?? original.pointsAfter - original.delta
        let after = scheme?.clamp(before - original.delta) ?? before - original.delta
        var text = reason
        if after != before - original.delta { text += "; held at the scheme's bound \(after)" }
        let entry = LedgerEntry(subject: original.subject, scheme: original.scheme, agency: original.agency,
                                eventID: original.eventID, kind: original.kind, ruleID: original.ruleID,
                                ruleVersion: original.ruleVersion, cause: cause, escalationGroup: nil,
                                requested: -original.delta, delta: after - before, pointsAfter: after,
                                gradeAfter: scheme?.grade(for: after), reason: text, occurredAt: original.occurredAt,
                                effectiveAt: effective, expiresAt: nil, reverses: original.id)
        state.points[original.scheme] = after
        return entry
    }

    /// The entry for one matching rule.
    private func score(_ event: AcceptedEvent, rule: Rule, scheme: Scheme, state: SubjectState) -> LedgerEntry {
        let time = event.occurredAt
        // The earlier entries that count: on this scheme, caused by an event that was not
        // retracted, no later than this one. They are read where they lie: copying them out
        // (`filter`, or a `for` loop over the array) retains each of a ledger entry's dozen
        // strings, which showed in scoring's profile.
        func count(_ matches: (borrowing LedgerEntry) -> Bool, adding amount: (borrowing LedgerEntry) -> Int) -> Int {
            state.history.withUnsafeBufferPointer { history in
                var total = 0
                for index in history.indices {
                    let counts = history[index].scheme == scheme.id && history[index].cause == .event
                        && !history[index].isRetracted && history[index].occurredAt <= time
                    if counts && matches(history[index]) { total += amount(history[index]) }
                }
                return total
            }
        }
        var requested = rule.points
        var notes: [String] = []
        if let escalation = rule.escalation {
            let from = escalation.window.before(time)
            let prior = count({ $0.escalationGroup == escalation.group && $0.occurredAt > from }, adding: { _ in 1 })
            requested = escalation.points(priorMatches: prior)
            notes.append("match \(prior + 1) within \(escalation.window)")
        }
        var allowed = requested
        if let cap = rule.cap {
            let from = cap.period.before(time)
            let used = count({ $0.ruleID == rule.id && $0.occurredAt > from }, adding: { abs($0.delta) })
            let left = max(0, cap.points - used)
            if abs(requested) > left {
                allowed = requested < 0 ? -left : left
                notes.append("capped at \(cap.points) points per \(cap.period) from this rule")
            }
        }
        let before = state.points[scheme.id] ?? scheme.initialPoints
        let after = scheme.clamp(before + allowed)
        if after != before + allowed { notes.append("held at the scheme's bound \(after)") }
        let reason = notes.isEmpty ? rule.reason : "\(rule.reason) (\(notes.joined(separator: "; ")))"
        return LedgerEntry(subject: event.subject, scheme: scheme.id, agency: event.agency, eventID: event.eventID,
                           kind: event.kind, ruleID: rule.id, ruleVersion: rule.version, cause: .event,
                           escalationGroup: rule.escalation?.group, requested: requested, delta: after - before,
                           pointsAfter: after, gradeAfter: scheme.grade(for: after), reason: reason, occurredAt: time,
                           effectiveAt: time, expiresAt: rule.expiresAfter?.after(time), reverses: nil)
    }
}
