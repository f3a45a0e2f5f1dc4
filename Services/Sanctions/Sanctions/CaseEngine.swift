import CreditModel
import Foundation
import Pipeline
import PostgresClient

/// The case state machine of DESIGN §7 against the database: every input (score change,
/// accepted event, notice receipt, deadline, appeal, review) becomes case rows, stored
/// transitions (time, actor, reason) and the outgoing messages, in the caller's transaction.
///
/// Measures bind only the subject of the input that caused them; a case's decisions and
/// notices always name that case's subject.
public struct CaseEngine: Sendable {
    /// The policies.
    public let policies: PolicyEvaluator
    /// The tables.
    public let store: CaseStore
    /// The outgoing messages.
    public let messages: CaseMessages

    /// Creates the engine.
    public init(policies: PolicyEvaluator, store: CaseStore, messages: CaseMessages) {
        self.policies = policies
        self.store = store
        self.messages = messages
    }

    /// The id of the case `cause` opens for `subject` under `policyID`: the same cause always
    /// names the same case, so it never opens a second one (not even after an overturned appeal).
    public static func caseID(subject: SubjectCode, policyID: String, cause: String) -> String {
        MessageID.sanctionsCase(subject: subject, policyID: policyID, cause: cause)
    }

    // MARK: - Consumed messages

    /// Applies consumed messages in order (one consumer batch): marks them processed and reads
    /// the policy conditions they touch once for the batch (`CaseBatch`), applies each new one,
    /// then stores the conditions it set. A message seen before (or twice in the batch) is skipped.
    public func apply(_ inputs: [CaseInput], now: Date, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        guard !inputs.isEmpty else { return [] }
        var batch = try CaseBatch(inputs, engine: self, on: connection)
        var outgoing: [OutboxMessage] = []
        for (input, fresh) in zip(inputs, batch.isFresh) where fresh {
            switch input {
            case .scoreChange(let change): outgoing += try applyNew(change, now: now, batch: &batch, on: connection)
            case .acceptedEvent(let event): outgoing += try applyNew(event, now: now, batch: &batch, on: connection)
            case .receipt(let receipt): outgoing += try applyNew(receipt, now: now, batch: &batch, on: connection)
            }
        }
        try store.saveConditions(batch.updates, on: connection)
        try store.write(batch.writes, on: connection)
        return outgoing
    }

    /// A `score-change/1` on its own (see `apply(_:now:on:)` for batches).
    public func apply(_ change: ScoreChange, now: Date, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try apply([.scoreChange(change)], now: now, on: connection)
    }

    /// An `accepted-event/1` on its own.
    public func apply(_ event: AcceptedEvent, now: Date, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try apply([.acceptedEvent(event)], now: now, on: connection)
    }

    /// A `notice-receipt/1` on its own.
    public func apply(_ receipt: NoticeReceipt, now: Date, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try apply([.receipt(receipt)], now: now, on: connection)
    }

    /// The `processed_messages` key of `input` (stored as its digest), or nil when the input cannot open or close a case
    /// (it is then neither recorded nor applied: score changes that cross no state policy's condition, most event kinds).
    func processedKey(of input: CaseInput) -> String? {
        switch input {
        case .scoreChange(let change):
            return policies.crossesStatePolicy(change) ? "score-change:\(change.id)" : nil
        case .acceptedEvent(let event):
            let (lifting, triggered) = casePolicies(of: event)
            return event.retracts != nil || !lifting.isEmpty || !triggered.isEmpty ? "accepted-event:\(event.id)" : nil
        case .receipt(let receipt):
            return "notice-receipt:\(receipt.id)"
        }
    }

    /// The policies whose open case `event` closes (`lifting`) or that open a case for it
    /// (`triggered`); none for a retraction, which carries the retracted event's kind: it undoes
    /// that event, it never lifts or triggers.
    func casePolicies(of event: AcceptedEvent) -> (lifting: [Policy], triggered: [Policy]) {
        guard event.retracts == nil else { return ([], []) }
        return (policies.policies(liftedBy: event.kind, for: event.subject.type),
                policies.policies(triggeredBy: event.kind, for: event.subject.type))
    }

    /// A `score-change/1`: state policies on its scheme open a case when their threshold is
    /// entered, and close the open case when it is left (recovery, retraction, expiry).
    private func applyNew(_ change: ScoreChange, now: Date, batch: inout CaseBatch,
                          on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let watching = policies.statePolicies(scheme: change.scheme, for: change.subject.type)
        var outgoing: [OutboxMessage] = []
        for (policy, condition) in watching {
            let holds = condition.holds(points: change.pointsAfter, grade: change.gradeAfter)
            let before = batch.condition(subject: change.subject, policyID: policy.id)
                ?? policies.holdsInitially(condition, scheme: change.scheme)
            // Stored only when it flips (or first differs from the initial value): most changes
            // leave every condition as it was, and rewriting them all was sanctions' largest
            // statement (about 450 rows per batch at 1,500 events/s).
            if holds != before {
                batch.setCondition(subject: change.subject, policyID: policy.id, holds: holds, changeID: change.id, at: now)
            }
            if holds && !before {
                outgoing += try open(policy, subject: change.subject, cause: MessageID.sanctionsCaseCause(scoreChange: change.id),
                                     reasons: [policy.reason, PolicyEvaluator.describe(change)], now: now, batch: &batch,
                                     on: connection)
            } else if !holds, let open = try batch.openCase(subject: change.subject, policyID: policy.id, store: store, on: connection) {
                // Described only here, where it is used: it was built for every change and watching policy.
                let state = "\(change.scheme) \(condition) (now \(change.pointsAfter) points\(change.gradeAfter.map { ", grade \($0)" } ?? ""))"
                let (closed, messages) = try close(open, actor: "policy:\(policy.id)@\(policy.version)",
                                                   reason: "The condition no longer holds: \(state). \(PolicyEvaluator.describe(change))",
                                                   now: now, writes: &batch.writes)
                batch.note(closed)
                outgoing += messages
            }
        }
        return outgoing
    }

    /// An `accepted-event/1`: a retraction closes the cases its target caused; an event policy's
    /// kind opens a case; a lifting kind closes the policy's open case.
    private func applyNew(_ event: AcceptedEvent, now: Date, batch: inout CaseBatch,
                          on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let (lifting, triggered) = casePolicies(of: event)
        var outgoing: [OutboxMessage] = []
        if let target = event.retracts {
            // The read below must see the cases this batch opened or closed so far.
            try store.write(batch.takeWrites(), on: connection)
            for open in try store.lockOpen(subject: event.subject, cause: MessageID.sanctionsCaseCause(agency: event.agency, eventID: target),
                                           on: connection) {
                let (closed, messages) = try close(open, actor: "agency:\(event.agency)",
                                                   reason: "\(event.agency) retracted event \(target) (retraction \(event.eventID)).",
                                                   now: now, writes: &batch.writes)
                batch.note(closed)
                outgoing += messages
            }
        }
        for policy in lifting {
            guard let open = try batch.openCase(subject: event.subject, policyID: policy.id, store: store, on: connection) else { continue }
            let (closed, messages) = try close(open, actor: "agency:\(event.agency)",
                                               reason: "Lifting event: \(PolicyEvaluator.describe(event)).", now: now,
                                               writes: &batch.writes)
            batch.note(closed)
            outgoing += messages
        }
        for policy in triggered {
            outgoing += try open(policy, subject: event.subject, cause: MessageID.sanctionsCaseCause(agency: event.agency, eventID: event.eventID),
                                 reasons: [policy.reason, PolicyEvaluator.describe(event)], now: now, batch: &batch, on: connection)
        }
        return outgoing
    }

    /// A `notice-receipt/1`: a delivered sanction notice makes a proposed case `noticed`, with
    /// deadline = delivery time + appeal days; a failed one is recorded on the case.
    private func applyNew(_ receipt: NoticeReceipt, now: Date, batch: inout CaseBatch,
                          on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        guard receipt.requestID == MessageID.noticeRequest(caseID: receipt.caseID, kind: .sanctionNotice),
              var record = try batch.existingCase(receipt.caseID, store: store, on: connection), record.kind == .sanction,
              record.subject == receipt.subject else { return [] }
        let before = record.state
        switch receipt.status {
        case .delivered:
            guard let deliveredAt = receipt.deliveredAt, record.deliveredAt == nil else { return [] }
            let deadline = deliveredAt.addingTimeInterval(TimeInterval(record.appealDays) * 86_400)
            record.deliveredAt = deliveredAt
            record.appealDeadline = deadline
            record.noticeFailure = nil
            if record.state == .proposed { record.state = .noticed }
            try batch.writes.update(record, from: before, actor: "notification",
                                    reason: "Notice delivered by \(receipt.channel.rawValue) at \(RFC3339.format(deliveredAt)); "
                                + "appeal deadline \(RFC3339.format(deadline)) (\(record.appealDays) days).",
                                    at: now)
        case .failed:
            record.noticeFailure = receipt.reason ?? "delivery failed"
            try batch.writes.update(record, from: before, actor: "notification", reason: "", at: now)
        }
        batch.note(record)
        return []
    }

    // MARK: - Deadlines

    /// Activates up to `limit` noticed cases whose appeal deadline passed: `active` and a
    /// decision `imposed` per measure. Returns the cases activated and their messages.
    public func activateDue(now: Date, limit: Int, on connection: isolated PostgresConnection) throws
        -> (cases: Int, messages: [OutboxMessage])
    {
        var outgoing: [OutboxMessage] = [], writes = CaseWrites()
        let due = try store.lockDue(at: now, limit: limit, on: connection)
        for record in due {
            let deadline = record.appealDeadline.map(RFC3339.format) ?? "?"
            outgoing += try activate(record, actor: "system:deadline",
                                     reason: "The appeal deadline \(deadline) passed without an appeal.", now: now, writes: &writes)
        }
        try store.write(writes, on: connection)
        return (due.count, outgoing)
    }

    /// Lifts up to `limit` active cases whose policy duration ended (e.g. the two-year
    /// dishonest-debtor listing): `lifted`, a decision `lifted` per measure, and a notice.
    public func liftExpired(now: Date, limit: Int, on connection: isolated PostgresConnection) throws
        -> (cases: Int, messages: [OutboxMessage])
    {
        var outgoing: [OutboxMessage] = [], writes = CaseWrites()
        let expired = try store.lockExpired(at: now, limit: limit, on: connection)
        for record in expired {
            let end = record.expiresAt.map(RFC3339.format) ?? "?"
            outgoing += try close(record, actor: "system:duration",
                                  reason: "The measures' duration ended on \(end).", now: now, writes: &writes).messages
        }
        try store.write(writes, on: connection)
        return (expired.count, outgoing)
    }

    // MARK: - Appeals

    /// The subject appeals case `caseID` with its appeal code: `under_appeal` if the window is
    /// open (before delivery, or until the deadline).
    public func appeal(caseID: String, code: String, statement: String?, now: Date,
                       on connection: isolated PostgresConnection) throws -> SanctionCase {
        guard var record = try store.lock(caseID, on: connection), record.kind == .sanction else { throw CaseError.notFound }
        guard let stored = try store.appealCodeHash(of: caseID, on: connection), AppealCode.matches(code, stored: stored) else {
            throw CaseError.wrongAppealCode
        }
        if let deadline = record.appealDeadline, now >= deadline || !record.state.isPending {
            throw CaseError.appealWindowClosed(deadline: deadline)
        }
        guard record.state == .proposed || record.state == .noticed else { throw CaseError.invalidState(record.state) }
        let before = record.state
        record.state = .underAppeal
        record.appealedAt = now
        let why = statement.map { "The subject appealed: \($0)" } ?? "The subject appealed."
        try store.update(record, from: before, actor: "subject", reason: why, at: now, on: connection)
        return record
    }

    /// An officer decides an appeal: `upheld` → `active` (decisions `imposed`); `overturned` →
    /// `withdrawn` (nothing published; the same cause does not open a new case).
    public func review(caseID: String, outcome: ReviewOutcome, officer: String, reason: String, now: Date,
                       on connection: isolated PostgresConnection) throws -> (SanctionCase, [OutboxMessage]) {
        guard let record = try store.lock(caseID, on: connection), record.kind == .sanction else { throw CaseError.notFound }
        guard record.state == .underAppeal else { throw CaseError.invalidState(record.state) }
        switch outcome {
        case .upheld:
            var writes = CaseWrites()
            let outgoing = try activate(record, actor: "officer:\(officer)", reason: "Appeal upheld: \(reason)", now: now,
                                        writes: &writes)
            try store.write(writes, on: connection)
            return (try store.lock(caseID, on: connection) ?? record, outgoing)
        case .overturned:
            var closed = record
            closed.state = .withdrawn
            closed.closedAt = now
            let why = "Appeal overturned: \(reason)"
            try store.update(closed, from: record.state, actor: "officer:\(officer)", reason: why, at: now, on: connection)
            return (closed, [try messages.closingNotice(for: closed, reason: why, at: now)])
        }
    }

    // MARK: - Transitions

    /// Opens a case of `policy` for `subject` unless the (subject, policy) has an open case:
    /// sanctions `proposed` with a notice, rewards `active` with `granted` decisions and an
    /// informational notice. The insert goes out with the batch's other case writes; a cause
    /// that already opened a case (impossible while `processed_messages` keeps every applied
    /// message) fails the transaction there rather than announce a case that was not stored.
    func open(_ policy: Policy, subject: SubjectCode, cause: String, reasons: [String], now: Date, batch: inout CaseBatch,
              on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        guard try batch.openCase(subject: subject, policyID: policy.id, store: store, on: connection) == nil else { return [] }
        let kind: CaseKind = policy.grantsRewards ? .reward : .sanction
        let record = SanctionCase(id: Self.caseID(subject: subject, policyID: policy.id, cause: cause), subject: subject,
                                  policyID: policy.id, policyVersion: policy.version, kind: kind,
                                  state: kind == .reward ? .active : .proposed, cause: cause, measures: policy.measures,
                                  reasons: reasons, appealDays: kind == .reward ? 0 : policy.appealDays, openedAt: now,
                                  activeSince: kind == .reward ? now : nil, durationDays: policy.durationDays)
        let code = kind == .sanction ? AppealCode.generate() : nil
        batch.writes.insert(record, appealCodeHash: code.map(AppealCode.hash), actor: "policy:\(record.policyReference)",
                            reason: reasons.joined(separator: " "))
        batch.note(record)
        if let code { return [try messages.sanctionNotice(for: record, appealCode: code, at: now)] }
        return try messages.decisions(for: record, action: .granted, reason: policy.reason, at: now)
            + [try messages.rewardNotice(for: record, at: now)]
    }

    /// Makes a pending sanction `active` and imposes its measures.
    func activate(_ record: SanctionCase, actor: String, reason: String, now: Date,
                  writes: inout CaseWrites) throws -> [OutboxMessage] {
        var next = record
        next.state = .active
        next.activeSince = now
        if let days = record.durationDays {
            next.expiresAt = now.addingTimeInterval(TimeInterval(days) * 86_400)
        }
        try writes.update(next, from: record.state, actor: actor, reason: reason, at: now)
        return try messages.decisions(for: next, action: .imposed, reason: record.reasons.first ?? reason, at: now)
    }

    /// Ends an open case: `active` → `lifted` (decisions `lifted`, or `revoked` for rewards);
    /// a pending sanction → `withdrawn` (nothing was published, so no decision). The subject is
    /// told. Returns the closed case and the messages.
    func close(_ record: SanctionCase, actor: String, reason: String, now: Date,
               writes: inout CaseWrites) throws -> (closed: SanctionCase, messages: [OutboxMessage]) {
        var next = record
        next.state = record.state == .active ? .lifted : .withdrawn
        next.closedAt = now
        try writes.update(next, from: record.state, actor: actor, reason: reason, at: now)
        var outgoing: [OutboxMessage] = []
        if record.state == .active {
            outgoing += try messages.decisions(for: next, action: record.kind == .reward ? .revoked : .lifted, reason: reason, at: now)
        }
        return (next, outgoing + [try messages.closingNotice(for: next, reason: reason, at: now)])
    }
}

/// An officer's decision on an appeal.
public enum ReviewOutcome: String, Sendable, Codable {
    /// The sanction stands: the case becomes `active`.
    case upheld
    /// The sanction is dropped: the case becomes `withdrawn`.
    case overturned
}

/// Why an appeal or review was refused (thrown inside the transaction, which then writes nothing).
public enum CaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such sanction case.
    case notFound
    /// The appeal code does not match.
    case wrongAppealCode
    /// The window ended at `deadline`.
    case appealWindowClosed(deadline: Date)
    /// The case is not in a state that allows it.
    case invalidState(CaseState)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .notFound: "no such sanction case"
        case .wrongAppealCode: "the appeal code does not match this case"
        case .appealWindowClosed(let deadline): "the appeal window closed at \(RFC3339.format(deadline))"
        case .invalidState(let state): "the case is \(state.rawValue)"
        }
    }
}
