import CreditModel
import Foundation

/// Points at a past instant (`GET /v1/subjects/{code}/scores?as_of=`), computed from the ledger.
///
/// Meaning of `as_of` T: the initial points plus every entry that counts at T — event entries
/// from their event time, retraction compensations from the retraction's event time, expiry
/// compensations from the expiry instant — and, for entries already expired at T whose expiry
/// compensation has not been written yet (the job runs periodically), minus their points as if
/// it had. So an entry stops counting exactly at its expiry, whether or not the job has run.
/// The sum is held within the scheme's bounds. Entries are summed by effective time, so for a
/// subject whose events arrived out of time order the result can differ from the live running
/// balance by what the bounds clamped along the way; the live balance is the ledger's own.
public enum ScoreHistory {
    /// The points on `scheme` at `instant`, from the subject's `entries` on that scheme.
    public static func points(at instant: Date, scheme: Scheme, entries: [LedgerEntry]) -> Int {
        var compensatedBy: [String: Date] = [:]
        for entry in entries {
            if let original = entry.reverses { compensatedBy[original] = min(compensatedBy[original] ?? .distantFuture, entry.effectiveAt) }
        }
        var points = scheme.initialPoints
        for entry in entries where entry.effectiveAt <= instant {
            points += entry.delta
            guard entry.cause == .event, let expiresAt = entry.expiresAt, expiresAt <= instant else { continue }
            if (compensatedBy[entry.id] ?? .distantFuture) > instant { points -= entry.delta }
        }
        return scheme.clamp(points)
    }
}
