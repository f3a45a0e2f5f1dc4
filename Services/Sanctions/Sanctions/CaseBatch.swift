import CreditModel
import Foundation
import PostgresClient

/// One consumed message for the case engine.
public enum CaseInput: Sendable {
    /// A `score-change/1`.
    case scoreChange(ScoreChange)
    /// An `accepted-event/1`.
    case acceptedEvent(AcceptedEvent)
    /// A `notice-receipt/1`.
    case receipt(NoticeReceipt)
}

/// What the engine reads once per consumed batch instead of once per message: which messages
/// are new (one `processed_messages` insert for the batch), the stored policy conditions of
/// the batch's (subject, state policy) pairs (one select), kept in memory while the batch is
/// applied in order and written back with one upsert at the end, and which of those pairs have
/// an open case (one select, locking those cases until commit), so a change that leaves a
/// condition unmet looks for a case to close only where there is one. Cases themselves are
/// still read and written per message: they change only when a threshold is crossed or an
/// event opens or lifts one.
struct CaseBatch {
    /// A (subject, state policy) pair.
    struct ConditionKey: Hashable {
        var subject: String
        var policyID: String
    }

    /// A condition to store: whether it holds since change `changeID` (the change that made it
    /// flip), applied at `at`.
    struct ConditionUpdate {
        var holds: Bool
        var changeID: String
        var at: Date
    }

    /// For each input, whether the engine applies it (new, and its first occurrence in the batch).
    private(set) var isFresh: [Bool]
    /// Known conditions (stored, or set earlier in the batch).
    private var conditions: [ConditionKey: Bool]
    /// Conditions set by the batch, written at the end.
    private(set) var updates: [ConditionKey: ConditionUpdate] = [:]
    /// Pairs with an open case (stored and locked, or opened by the batch).
    private var openCases: Set<ConditionKey>

    /// Marks the batch's inputs processed and loads the conditions their score changes touch.
    init(_ inputs: [CaseInput], engine: CaseEngine, on connection: isolated PostgresConnection) throws {
        let keys = inputs.map { engine.processedKey(of: $0) }
        var first = Set<String>()
        let firstOccurrence = keys.map { key in key.map { first.insert($0).inserted } ?? false }
        let inserted = try engine.store.markProcessed(Array(first), on: connection)
        isFresh = zip(keys, firstOccurrence).map { key, isFirst in isFirst && key.map(inserted.contains) == true }
        var pairs = Set<ConditionKey>()
        for (input, fresh) in zip(inputs, isFresh) where fresh {
            guard case .scoreChange(let change) = input else { continue }
            for (policy, _) in engine.policies.statePolicies(scheme: change.scheme, for: change.subject.type) {
                pairs.insert(ConditionKey(subject: change.subject.rawValue, policyID: policy.id))
            }
        }
        (conditions, openCases) = try engine.store.conditionsAndOpenCases(of: Array(pairs), on: connection)
    }

    /// Whether `subject` has an open case under state policy `policyID`.
    func hasOpenCase(subject: SubjectCode, policyID: String) -> Bool {
        openCases.contains(ConditionKey(subject: subject.rawValue, policyID: policyID))
    }

    /// Records that `subject`'s case under state policy `policyID` was opened or closed.
    mutating func setOpenCase(subject: SubjectCode, policyID: String, _ isOpen: Bool) {
        let key = ConditionKey(subject: subject.rawValue, policyID: policyID)
        if isOpen { openCases.insert(key) } else { openCases.remove(key) }
    }

    /// Whether the condition held after the subject's last change, or nil if never stored.
    func condition(subject: SubjectCode, policyID: String) -> Bool? {
        conditions[ConditionKey(subject: subject.rawValue, policyID: policyID)]
    }

    /// Records whether the condition holds after `changeID`.
    mutating func setCondition(subject: SubjectCode, policyID: String, holds: Bool, changeID: String, at: Date) {
        let key = ConditionKey(subject: subject.rawValue, policyID: policyID)
        conditions[key] = holds
        updates[key] = ConditionUpdate(holds: holds, changeID: changeID, at: at)
    }
}
