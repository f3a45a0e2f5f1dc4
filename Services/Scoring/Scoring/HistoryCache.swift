import CreditModel
import Foundation
import Metrics
import Synchronization

/// Subjects' histories (the ledger entries the rules look back at), kept in memory between
/// batches, so that a subject scored again needs no history read from the ledger.
///
/// Why: in the benchmark, the history read grew through a run (a subject's entries inside the
/// rules' lookback accumulate) and became PostgreSQL's largest growing cost: at 6,500 events/s,
/// 1.3 ms per call in the first 12 s and 3.0 ms in the third, most of it in reaching entries
/// scattered one per heap page.
///
/// Why it is safe: every write to a subject's ledger also writes that subject's balance on the
/// entry's scheme in the same transaction (`Scorer.write`), and the balance read locks the
/// subject's balance rows and returns each row's `xmin`, the transaction that wrote it. A
/// remembered history is used only when the subject's balance versions are exactly those it was
/// remembered with, so anything written since, by another instance, the expiry job or a replay,
/// makes it miss. A history is remembered before its transaction commits, with that
/// transaction's id as the version of the balances it writes: if the transaction rolls back,
/// that id never becomes a row's `xmin`, and the entry just misses.
///
/// Bounded: two generations of at most `capacity` entries each (a subject remembered again goes
/// into the young one; when the young one is full it becomes the old one, and the old one is
/// dropped), so memory stays within about twice `capacity` ledger entries however many
/// subjects pass.
///
/// A lookup takes the history out: the scorer appends the batch's entries to it and remembers it
/// again when the batch is scored. A history shared with the cache would be copied, entry by
/// entry, by the first append; one whose batch fails is simply read again next time.
public final class HistoryCache: Sendable {
    /// The version of a subject's balance rows: each scheme's row `xmin` (a 32-bit transaction id).
    public typealias Versions = [String: UInt32]

    /// One remembered history.
    struct Item: Sendable {
        /// The subject's balance versions this history belongs to.
        var versions: Versions
        /// The earliest event time it covers: a read for an earlier `since` misses.
        var since: Date
        /// The entries, in ledger order, reversed ones flagged.
        var history: [LedgerEntry]
    }

    private struct Generations: Sendable {
        var young: [SubjectCode: Item] = [:]
        var old: [SubjectCode: Item] = [:]
        var youngEntries = 0

        /// Drops `subject` from both generations and returns what they held for it.
        @discardableResult
        mutating func remove(_ subject: SubjectCode) -> Item? {
            let older = old.removeValue(forKey: subject)
            guard let previous = young.removeValue(forKey: subject) else { return older }
            youngEntries -= max(1, previous.history.count)
            return previous
        }

        /// Puts `item` in the young generation, which first becomes the old one when `item`
        /// would take it past `capacity` entries. Returns the old generation this dropped, for
        /// the caller to release outside the lock.
        mutating func insert(_ item: Item, for subject: SubjectCode, capacity: Int) -> [SubjectCode: Item]? {
            let size = max(1, item.history.count)
            var dropped: [SubjectCode: Item]?
            if youngEntries + size > capacity {
                dropped = old
                old = young
                young = [:]
                youngEntries = 0
            }
            young[subject] = item
            youngEntries += size
            return dropped
        }
    }

    /// Where dropped generations are freed. Freeing one frees every string of up to `capacity`
    /// ledger entries: in the benchmark, 84 ms for 12,189 subjects, which on the caller's path
    /// held a scoring transaction open (and every event of its batch waiting) that long.
    private static let releaseQueue = DispatchQueue(label: "scoring.history-cache.release", qos: .utility)

    /// Histories on their way to `releaseQueue`, which empties the box. They are moved in, never
    /// copied, so emptying the box is what frees them, whoever drops the box last.
    private final class Dropped<Histories: Sendable>: Sendable {
        let histories: Mutex<Histories?>
        init(_ histories: consuming sending Histories) { self.histories = Mutex(consume histories) }
    }

    /// Frees `generation` on `releaseQueue` (the caller hands it over with `consume`).
    private static func release(_ generation: consuming [SubjectCode: Item]?) {
        guard let generation = consume generation, !generation.isEmpty else { return }
        let dropped = Dropped(consume generation)
        releaseQueue.async { dropped.histories.withLock { $0 = nil } }
    }

    /// Frees `items` on `releaseQueue` (the caller hands them over with `consume`).
    private static func release(_ items: consuming [Item]) {
        guard !items.isEmpty else { return }
        let dropped = Dropped(consume items)
        releaseQueue.async { dropped.histories.withLock { $0 = nil } }
    }

    /// Most ledger entries in one generation.
    public let capacity: Int
    private let generations = Mutex(Generations())
    private let counters = Mutex((hits: 0, stale: 0, absent: 0))
    private let hitCounter = Counter(label: "scoring_history_cache_lookups_total", dimensions: [("result", "hit")])
    private let staleCounter = Counter(label: "scoring_history_cache_lookups_total", dimensions: [("result", "stale")])
    private let absentCounter = Counter(label: "scoring_history_cache_lookups_total", dimensions: [("result", "absent")])

    /// A cache holding about `capacity` to twice `capacity` ledger entries (at least 1).
    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Takes out what is remembered for `subject`, and returns it when it was remembered at
    /// exactly `versions` and covers event times from `since`; otherwise nil. Either way the
    /// cache no longer holds it: the caller remembers it again once its batch is scored.
    func take(_ subject: SubjectCode, versions: Versions, since: Date) -> Item? {
        let item: Item? = generations.withLock { generations in
            let item = generations.young[subject] ?? generations.old[subject]
            generations.remove(subject)
            return item
        }
        guard let item, item.versions == versions, item.since <= since else {
            counters.withLock { $0.stale += 1 }
            staleCounter.increment()
            return nil
        }
        counters.withLock { $0.hits += 1 }
        hitCounter.increment()
        return item
    }

    /// Whether anything is remembered for `subject` (whatever its versions).
    func contains(_ subject: SubjectCode) -> Bool {
        generations.withLock { $0.young[subject] != nil || $0.old[subject] != nil }
    }

    /// Remembers each item for its subject (one lock for a batch's subjects).
    func remember(_ items: [(subject: SubjectCode, item: Item)]) {
        guard !items.isEmpty else { return }
        var dropped: [SubjectCode: Item]?
        generations.withLock { generations in
            for (subject, item) in items {
                generations.remove(subject)
                // A second rotation in one batch (only with `capacity` below a batch's entries)
                // frees the first generation here, inside the lock.
                if let generation = generations.insert(item, for: subject, capacity: capacity) { dropped = generation }
            }
        }
        Self.release(consume dropped)
    }

    /// Forgets `subjects` (their histories are freed on `releaseQueue`, not on the caller's path:
    /// in a profile at 6,000 events/s, freeing them inside the lock was 0.8 % of scoring's samples).
    func forget(_ subjects: some Sequence<SubjectCode>) {
        let forgotten = generations.withLock { generations in
            subjects.compactMap { generations.remove($0) }
        }
        Self.release(consume forgotten)
    }

    /// Histories needed since the start: found usable (`hits`), remembered but stale or too short
    /// (`stale`), and not remembered at all (`absent`); also
    /// `scoring_history_cache_lookups_total{result="hit"|"stale"|"absent"}`.
    public var lookups: (hits: Int, stale: Int, absent: Int) { counters.withLock { $0 } }

    /// Counts `count` needed histories that were not remembered (read from the ledger).
    func noteAbsent(_ count: Int) {
        guard count > 0 else { return }
        counters.withLock { $0.absent += count }
        absentCounter.increment(by: count)
    }

    /// Subjects remembered now.
    public var subjects: Int { generations.withLock { $0.young.count + $0.old.count } }
}
