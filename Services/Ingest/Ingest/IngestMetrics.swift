import CreditModel
import Metrics

/// Ingest's own metrics (the pipeline records batch duration, lag and dead letters itself):
/// `ingest_events_total{agency, status, reason}` and `ingest_batch_duration_seconds{transport}`.
///
/// The agency label is the registered id, or `unregistered` for anything else, so a stray topic
/// or token cannot blow up the label space. Counts are taken inside the transaction, so a batch
/// that the pipeline retries after a transient failure (or splits to isolate a poison message)
/// is counted again: the counters can over-count in those rare cases, never under-count.
struct IngestMetrics: Sendable {
    let registry: AgencyRegistry

    /// Counts each result once, grouping equal label sets into one increment.
    func record(_ outcomes: [(agency: String?, result: IntakeResult)]) {
        var counts: [[String]: Int] = [:]
        for (agency, result) in outcomes {
            let label = agency.flatMap { registry.agency($0) != nil ? $0 : nil } ?? "unregistered"
            counts[[label, result.status.rawValue, result.reason?.rawValue ?? ""], default: 0] += 1
        }
        for (labels, count) in counts {
            Counter(label: "ingest_events_total",
                    dimensions: [("agency", labels[0]), ("status", labels[1]), ("reason", labels[2])]).increment(by: count)
        }
    }

    /// Records how long one batch took from receipt to commit.
    static func recordBatch(transport: EventSource.Transport, nanoseconds: Int64) {
        Metrics.Timer(label: "ingest_batch_duration_seconds", dimensions: [("transport", transport.rawValue)])
            .recordNanoseconds(nanoseconds)
    }
}
