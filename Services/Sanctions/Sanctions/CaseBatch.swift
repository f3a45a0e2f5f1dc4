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

/// What the engine reads once per consumed batch instead of once per message, in two round
/// trips: which messages are new (one `processed_messages` insert), then, in one pipeline, the
/// stored policy conditions of the new score changes' (subject, state policy) pairs, the open
/// cases of every pair a new message may open or close a case of (state, event-triggered and
/// lifting policies), and the cases new notice receipts name, both locked until commit.
///
/// The batch then answers the engine's case lookups from memory and learns every case the
/// engine writes (``note(_:)``), so a later message of the same batch sees an earlier one's
/// change; conditions set by the batch are written back with one upsert at the end. Opening,
/// closing and a receipt's update cost no round trip of their own: they are gathered
/// (``writes``) and go out at the end as at most three statements, with the commit. Only a
/// retraction's lookup of the cases its target caused still reads on its own (rare), after
/// sending what the batch wrote so far.
struct CaseBatch {
    /// A (subject, policy) pair.
    struct SubjectPolicy: Hashable {
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
    private var conditions: [SubjectPolicy: Bool]
    /// Conditions set by the batch, written at the end.
    private(set) var updates: [SubjectPolicy: ConditionUpdate] = [:]
    /// The cases the batch opened, changed or closed, written at the end (or before a read of
    /// the table that must see them).
    var writes = CaseWrites()
    /// The pairs whose open case is known (loaded, or looked up later in the batch).
    private var knownPairs: Set<SubjectPolicy>
    /// The open case of each known pair that has one, as the batch left it.
    private var openCases: [SubjectPolicy: SanctionCase]
    /// Cases by id, as the batch left them: those receipts name (nil: no such case), and every
    /// case the batch wrote.
    private var casesByID: [String: SanctionCase?]

    /// Marks the batch's inputs processed and loads what the new ones touch.
    init(_ inputs: [CaseInput], engine: CaseEngine, on connection: isolated PostgresConnection) throws {
        let keys = inputs.map { engine.processedKey(of: $0) }
        var first = Set<String>()
        let firstOccurrence = keys.map { key in key.map { first.insert($0).inserted } ?? false }
        let inserted = try engine.store.markProcessed(Array(first), on: connection)
        isFresh = zip(keys, firstOccurrence).map { key, isFirst in isFirst && key.map(inserted.contains) == true }
        var statePairs = Set<SubjectPolicy>(), eventPairs = Set<SubjectPolicy>(), caseIDs = Set<String>()
        for (input, fresh) in zip(inputs, isFresh) where fresh {
            switch input {
            case .scoreChange(let change):
                for (policy, _) in engine.policies.statePolicies(scheme: change.scheme, for: change.subject.type) {
                    statePairs.insert(SubjectPolicy(subject: change.subject.rawValue, policyID: policy.id))
                }
            case .acceptedEvent(let event):
                let (lifting, triggered) = engine.casePolicies(of: event)
                for policy in lifting + triggered {
                    eventPairs.insert(SubjectPolicy(subject: event.subject.rawValue, policyID: policy.id))
                }
            case .receipt(let receipt):
                if UUID(uuidString: receipt.caseID) != nil { caseIDs.insert(receipt.caseID.lowercased()) }
            }
        }
        knownPairs = statePairs.union(eventPairs)
        let loaded = try engine.store.batchState(conditionsOf: Array(statePairs), openCasesOf: Array(knownPairs),
                                                 cases: Array(caseIDs), on: connection)
        conditions = loaded.conditions
        openCases = loaded.openCases
        casesByID = Dictionary(uniqueKeysWithValues: caseIDs.map { ($0, nil) })
        for record in loaded.cases { casesByID[record.id] = record }
    }

    /// The open case of `subject` under `policyID`, locked (read when the batch did not load it).
    mutating func openCase(subject: SubjectCode, policyID: String, store: CaseStore,
                           on connection: isolated PostgresConnection) throws -> SanctionCase? {
        let key = SubjectPolicy(subject: subject.rawValue, policyID: policyID)
        if !knownPairs.contains(key) {
            knownPairs.insert(key)
            openCases[key] = try store.lockOpen(subject: subject, policyID: policyID, on: connection)
        }
        return openCases[key]
    }

    /// The case `id`, locked; nil when there is none (read when the batch did not load it).
    mutating func existingCase(_ id: String, store: CaseStore, on connection: isolated PostgresConnection) throws -> SanctionCase? {
        let id = id.lowercased()
        if let known = casesByID[id] { return known }
        let record = try store.lock(id, on: connection)
        casesByID[id] = .some(record)
        return record
    }

    /// The writes gathered so far, leaving none.
    mutating func takeWrites() -> CaseWrites {
        defer { writes = CaseWrites() }
        return writes
    }

    /// Records a case the engine just wrote, so later messages of the batch see it as it is now.
    mutating func note(_ record: SanctionCase) {
        casesByID[record.id] = record
        let key = SubjectPolicy(subject: record.subject.rawValue, policyID: record.policyID)
        knownPairs.insert(key)
        if record.state.isOpen {
            openCases[key] = record
        } else if openCases[key]?.id == record.id {
            openCases[key] = nil
        }
    }

    /// Whether the condition held after the subject's last change, or nil if never stored.
    func condition(subject: SubjectCode, policyID: String) -> Bool? {
        conditions[SubjectPolicy(subject: subject.rawValue, policyID: policyID)]
    }

    /// Records whether the condition holds after `changeID`.
    mutating func setCondition(subject: SubjectCode, policyID: String, holds: Bool, changeID: String, at: Date) {
        let key = SubjectPolicy(subject: subject.rawValue, policyID: policyID)
        conditions[key] = holds
        updates[key] = ConditionUpdate(holds: holds, changeID: changeID, at: at)
    }
}
