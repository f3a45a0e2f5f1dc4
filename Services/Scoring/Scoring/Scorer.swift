import CreditModel
import Foundation
import Pipeline
import PostgresClient

/// Scoring inside one transaction of two round trips: keeps the consumed events and loads the
/// states of the batch's subjects (balances, and the history of those whose events look back)
/// in the first, runs the pure `RuleEngine` in memory, and writes the entries, balances and
/// outgoing `score-change/1` messages with one statement each in the second, with the commit.
public struct Scorer: Sendable {
    /// The engine (and its rulebook).
    public let engine: RuleEngine
    /// The tables.
    public let ledger: Ledger
    /// Where score changes go (`scores.changed` by contract).
    public let topic: String
    /// Histories remembered between batches (nil: every history is read from the ledger).
    public let historyCache: HistoryCache?
    /// The rules whose entries a cap counts (with the escalating ones, what a history holds).
    private let cappedRules: [String]

    /// Creates a scorer writing to `ledger` and announcing on `topic`, remembering histories in
    /// `historyCache` when given (one cache per scorer: what it holds depends on the rulebook).
    public init(engine: RuleEngine, ledger: Ledger, topic: String = Topics.scoresChanged, historyCache: HistoryCache? = nil) {
        self.engine = engine
        self.ledger = ledger
        self.topic = topic
        self.historyCache = historyCache
        cappedRules = engine.rulebook.rules.filter { $0.cap != nil }.map(\.id)
    }

    /// Scores `events` (in consumption order) and returns the messages to publish. Events
    /// already consumed before (redelivery, or twice in the batch) are skipped, so a batch
    /// delivered twice changes nothing. Keeping the events and reading the states of their
    /// subjects is one round trip: the states are read for every subject of the batch, a
    /// redelivered event's too (rare, and harmless: its subject is only locked).
    ///
    /// `payloads`, when given, are the events as consumed (one per event, in order): they are
    /// kept as they came instead of being encoded again (perf at 2,500 events/s: keeping a batch's
    /// events took 4.7 % of scoring's CPU, 3.2 % of it that encoding; 1.4 % without it).
    public func score(_ events: [AcceptedEvent], payloads: [[UInt8]]? = nil,
                      on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        precondition(payloads == nil || payloads?.count == events.count, "one payload per event")
        var seen = Set<String>()
        let firsts = events.indices.filter { seen.insert(events[$0].id).inserted }
        // Events are large values: the common batch (no event twice) is used as it came.
        let unique = firsts.count == events.count ? events : firsts.map { events[$0] }
        guard !unique.isEmpty else { return [] }
        let kept = try payloads.map { payloads in firsts.map { Data(payloads[$0]) } } ?? unique.map { try MessageCoding.encode($0) }
        // What the batch needs, gathered in one pass that reads the events where they lie (each
        // `map` or `filter` over them copied every event, a retain per string). Remembered
        // histories are checked against the balance versions this round trip reads; a
        // retraction's subject is always read (its target may be an entry no history holds).
        var earliest = Date.distantFuture
        var batchSubjects = Set<SubjectCode>(), lookingBack = Set<SubjectCode>(), retracting = Set<SubjectCode>()
        var retracted: [(agency: String, eventID: String)] = []
        for index in unique.indices {
            let subject = unique[index].subject
            earliest = min(earliest, unique[index].occurredAt)
            batchSubjects.insert(subject)
            if engine.needsHistory(unique[index]) { lookingBack.insert(subject) }
            if let target = unique[index].retracts {
                retracting.insert(subject)
                retracted.append((agency: unique[index].agency, eventID: target))
            }
        }
        let since = engine.rulebook.longestLookback.before(earliest)
        let subjects = batchSubjects.sorted()
        let remembered = historyCache.map { cache in
            Set(lookingBack.filter { !retracting.contains($0) && cache.contains($0) })
        } ?? []
        // With a cache, histories are read from one lookback further back, so that a later batch
        // with earlier events (a late agency, a backfill) still finds them covered. Reaching the
        // subject's entries costs the same either way (one index probe, every entry's heap page);
        // only the few entries of that extra period come along.
        let readSince = historyCache == nil ? since : engine.rulebook.longestLookback.before(since)
        let scope = Ledger.HistoryScope.scoring(since: readSince, cappedRules: cappedRules, retracted: retracted,
                                                historyOf: lookingBack.subtracting(remembered))
        let stateQueries = ledger.stateQueries(of: subjects, scope: scope)
        let results = try connection.queries([ledger.keepQuery(unique, payloads: kept)] + stateQueries
                                             + (historyCache == nil ? [] : ["SELECT txid_current()"]))
        let fresh = try ledger.kept(from: results[0])
        let toScore = fresh.count == unique.count ? unique : unique.filter { fresh.contains($0.id) }
        guard !toScore.isEmpty else { return [] }
        var states = try ledger.states(of: subjects, from: results.dropFirst().prefix(stateQueries.count))
        var complete = lookingBack.subtracting(remembered)
        var covered: [SubjectCode: Date] = [:]
        if let historyCache {
            historyCache.noteAbsent(complete.count)
            covered = try recall(remembered, into: &states, from: historyCache, since: since, readSince: readSince,
                                 retracted: retracted, on: connection)
            complete.formUnion(remembered)
        }
        var entries: [LedgerEntry] = []
        for index in toScore.indices {
            let subject = toScore[index].subject
            entries += engine.apply(toScore[index], to: &states[subject, default: SubjectState(subject: subject)])
        }
        let messages = try write(entries, on: connection)
        // The last result is `txid_current()`'s when there is a cache.
        if let historyCache, let transaction = try results.last?.first?.decode(Int64.self, at: 0) {
            remember(complete, of: &states, written: entries, since: readSince, covered: covered,
                     transaction: UInt32(truncatingIfNeeded: transaction), in: historyCache)
        }
        return messages
    }

    /// Puts the remembered histories of `subjects` into `states` where they are still current
    /// (the balance versions just read match) and cover `since`; reads the others from the
    /// ledger in one more statement (written since they were remembered: another instance, the
    /// expiry job, a rolled-back batch). Returns how far back each remembered history reaches.
    private func recall(_ subjects: Set<SubjectCode>, into states: inout [SubjectCode: SubjectState], from cache: HistoryCache,
                        since: Date, readSince: Date, retracted: [(agency: String, eventID: String)],
                        on connection: isolated PostgresConnection) throws -> [SubjectCode: Date] {
        var covered: [SubjectCode: Date] = [:]
        var stale: [SubjectCode] = []
        for subject in subjects.sorted() {
            if let item = cache.take(subject, versions: states[subject]?.versions ?? [:], since: since) {
                states[subject]?.history = item.history
                covered[subject] = item.since
            } else {
                stale.append(subject)
            }
        }
        let scope = Ledger.HistoryScope.scoring(since: readSince, cappedRules: cappedRules, retracted: retracted,
                                                historyOf: Set(stale))
        if let query = ledger.historyQuery(of: stale.map(\.rawValue), scope: scope) {
            try ledger.addHistory(from: try connection.query(query), to: &states,
                                  known: Dictionary(uniqueKeysWithValues: states.keys.map { ($0.rawValue, $0) }))
        }
        return covered
    }

    /// Remembers the complete histories among `states`, at the balance versions this transaction
    /// leaves: its own id on each scheme it writes (see ``HistoryCache``). Only what a history
    /// read would bring is kept: escalating and capped entries. The remembered states are taken
    /// out of `states`, so that each history is trimmed where it lies instead of copied entry by
    /// entry (copies and frees of ledger entries were about 4 % of scoring's profile).
    private func remember(_ subjects: Set<SubjectCode>, of states: inout [SubjectCode: SubjectState], written entries: [LedgerEntry],
                          since: Date, covered: [SubjectCode: Date], transaction: UInt32, in cache: HistoryCache) {
        var writes: [SubjectCode: Set<String>] = [:]
        for index in entries.indices { writes[entries[index].subject, default: []].insert(entries[index].scheme) }
        // A subject scored without its history (no event of it looked back) is not kept up to
        // date: forgetting it costs less than carrying its history through the batch, and it is
        // read with the others' when it next needs one.
        cache.forget(writes.keys.filter { !subjects.contains($0) })
        let capped = Set(cappedRules)
        var items: [(subject: SubjectCode, item: HistoryCache.Item)] = []
        items.reserveCapacity(subjects.count)
        for subject in subjects {
            guard var state = states.removeValue(forKey: subject) else { continue }
            for scheme in writes[subject] ?? [] { state.versions[scheme] = transaction }
            state.history.keepAll { entry in
                entry.pointee.cause == .event && (entry.pointee.escalationGroup != nil || capped.contains(entry.pointee.ruleID))
            }
            items.append((subject, HistoryCache.Item(versions: state.versions, since: covered[subject] ?? since,
                                                     history: state.history)))
        }
        cache.remember(items)
    }

    /// Writes compensating entries for entries expired by `now`, for at most `limit` subjects
    /// (oldest expiry first). Returns the messages to publish (empty when nothing expired).
    public func expire(at now: Date, limit: Int, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let subjects = try ledger.subjectsWithExpiredEntries(at: now, limit: limit, on: connection)
        guard !subjects.isEmpty else { return [] }
        var states = try ledger.states(of: subjects.sorted(), scope: .expiredBy(now), on: connection)
        var entries: [LedgerEntry] = []
        for subject in subjects.sorted() {
            entries += engine.expire(at: now, in: &states[subject, default: SubjectState(subject: subject)])
        }
        return try write(entries, on: connection)
    }

    /// Appends `entries`, saves the balances they leave and returns their announcements.
    func write(_ entries: [LedgerEntry], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try ledger.append(entries, on: connection)
        try ledger.saveBalances(after: entries, on: connection)
        return try entries.map { entry in
            OutboxMessage(id: UUID(canonicalText: entry.id) ?? UUID(), topic: topic, key: entry.subject.rawValue,
                          payload: try MessageCoding.encodeBytes(entry.scoreChange))
        }
    }
}
