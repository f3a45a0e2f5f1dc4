import CreditModel
import Foundation

/// The case rows one transaction writes, gathered so that they go out as at most three
/// statements (`CaseStore.write(_:on:)`): the updated cases, the new cases, the transitions.
///
/// One statement per row was about 11 µs of PostgreSQL time per event in the benchmark, which
/// opens or closes a case for about one event in twenty. A case inserted and then changed in
/// the same transaction is inserted as it ended; a case changed twice is updated once, to its
/// last state; every transition is kept, in order.
struct CaseWrites {
    /// One stored transition.
    struct Transition {
        var caseID: String
        var from: CaseState?
        var to: CaseState
        var at: Date
        var actor: String
        var reason: String
    }

    /// New cases, in order, with their appeal code hashes. The same id twice stays twice, so the
    /// insert fails the transaction as a second insert of it would.
    private(set) var inserts: [(record: SanctionCase, appealCodeHash: String?)] = []
    /// Existing cases, each as the transaction left it, in the order first changed.
    private(set) var updates: [SanctionCase] = []
    /// The transitions, in order.
    private(set) var transitions: [Transition] = []
    private var insertIndex: [String: Int] = [:]
    private var updateIndex: [String: Int] = [:]

    /// Nothing to write.
    var isEmpty: Bool { inserts.isEmpty && updates.isEmpty && transitions.isEmpty }

    /// A new case with its opening transition.
    mutating func insert(_ record: SanctionCase, appealCodeHash: String?, actor: String, reason: String) {
        insertIndex[record.id] = inserts.count
        inserts.append((record, appealCodeHash))
        transitions.append(Transition(caseID: record.id, from: nil, to: record.state, at: record.openedAt, actor: actor,
                                      reason: reason))
    }

    /// `record`'s new state and dates, and the transition from `from` when the state changed;
    /// refuses a transition DESIGN §7 does not allow.
    mutating func update(_ record: SanctionCase, from: CaseState, actor: String, reason: String, at: Date) throws {
        guard from == record.state || from.allows(record.state, kind: record.kind) else {
            throw InvalidTransition(caseID: record.id, from: from, to: record.state)
        }
        if let index = insertIndex[record.id] {
            inserts[index].record = record
        } else if let index = updateIndex[record.id] {
            updates[index] = record
        } else {
            updateIndex[record.id] = updates.count
            updates.append(record)
        }
        if from != record.state {
            transitions.append(Transition(caseID: record.id, from: from, to: record.state, at: at, actor: actor, reason: reason))
        }
    }
}
