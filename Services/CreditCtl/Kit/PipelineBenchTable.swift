import Foundation

/// The benchmark's terminal table.
public enum PipelineBenchTable {
    /// The report as aligned text.
    public static func render(_ report: PipelineBenchReport) -> String {
        let p = report.parameters
        var lines: [String] = []
        func row(_ section: String, _ name: String, _ value: String, _ note: String = "") {
            lines.append(section.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + name.padding(toLength: 34, withPad: " ", startingAt: 0)
                         + value.leftPadded(to: 12) + (note.isEmpty ? "" : "  " + note))
        }
        func number(_ value: Double) -> String { String(format: "%.0f", value) }
        func range(_ spread: Spread) -> String {
            String(format: "(%.0f..%.0f, spread %.0f%%)", spread.min, spread.max, spread.relative * 100)
        }
        func milliseconds(_ summary: LatencySummary) -> String {
            String(format: "p50 %.1f  p99 %.1f  p99.9 %.1f ms  (n=%d)", summary.p50Ms, summary.p99Ms, summary.p999Ms, summary.count)
        }
        lines.append("pipeline benchmark: \(p.subjects) subjects, \(p.events) events, warm-up \(p.warmupEvents), "
                     + "\(p.repetitions) repetitions (median, min..max), \(p.build) build, "
                     + "\(report.machine.cpus) CPUs \(report.machine.cpuModel)")
        let l = report.limits
        row("limits", "COPY event+ledger rows/s", number(l.copyRowsPerS), range(l.copyRowsPerSSpread))
        row("", "COPY event rows/s", number(l.copyEventRowsPerS))
        row("", "COPY ledger rows/s", number(l.copyLedgerRowsPerS))
        row("", "Kafka produce msgs/s", number(l.kafkaProduceMsgsPerS))
        row("", "Kafka consume msgs/s", number(l.kafkaConsumeMsgsPerS))
        let t = report.throughput
        row("throughput", "events/s -> committed ledger", number(t.eventsPerS), range(t.eventsPerSSpread))
        row("", "events/s -> decisions", number(t.eventsPerSToDecisions), range(t.eventsPerSToDecisionsSpread))
        row("", "ratio to COPY", String(format: "%.3f", t.ratioToCopy), t.meetsTarget ? "target >= 0.25 met" : "target >= 0.25 NOT met")
        if let inserted = t.rowsInsertedPerEvent, let updated = t.rowsUpdatedPerEvent, let deleted = t.rowsDeletedPerEvent {
            row("", "rows written per event", String(format: "%.2f", inserted),
                String(format: "inserted (the target takes about 4); %.2f updated, %.2f deleted", updated, deleted))
        }
        if let limit = t.copyLimitEventsPerS, let ratio = t.ratioToCopyLimitEvents {
            row("", "COPY rows/s / inserted per event", number(limit),
                String(format: "events/s if COPY inserted each event's rows; the pipeline reached %.2f of it", ratio))
        }
        for (label, level) in [("50%", report.latency.at50pct), ("80%", report.latency.at80pct)] {
            row(label == "50%" ? "latency" : "", "\(label) load (\(number(level.targetEventsPerS)) ev/s) score change", "",
                milliseconds(level.scoreChange))
            if let accepted = level.eventAcceptedProduced {
                row("", "  until ingest produced it", "", milliseconds(accepted))
            }
            row("", "  until scoring produced it", "", milliseconds(level.scoreChangeProduced))
            row("", "\(label) load decision", "", milliseconds(level.decision))
        }
        if let interval = report.parameters.publishIntervalMs {
            row("", "agency events published", "every \(interval) ms", "the events due in each interval, as one batch")
        }
        row("", "p99 at 50% load", String(format: "%.1f ms", report.latency.p99MsAt50pct),
            report.latency.meetsTarget ? "target <= 50 ms met" : "target <= 50 ms NOT met")
        for (label, shares) in [("throughput run", t.cpu), ("50% load run", report.latency.at50pct.cpu),
                                ("80% load run", report.latency.at80pct.cpu)] {
            guard let shares else { continue }
            let parts = shares.ordered.filter { $0.name != "machine" }
                .map { "\($0.name) " + String(format: "%.2f", $0.cores) }.joined(separator: ", ")
            row(label == "throughput run" ? "cpu (cores)" : "", label, String(format: "%.2f", shares.cores["machine"] ?? 0),
                "of \(report.machine.cpus): " + parts)
            if let split = shares.postgresqlByConnection {
                let named = split.filter { $0.value >= 0.005 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                    .map { "\($0.key) " + String(format: "%.2f", $0.value) }.joined(separator: ", ")
                row("", "  postgresql by connection", "", named)
            }
        }
        if let growth = report.growth {
            for point in [growth.small, growth.large] {
                let memory = point.memory.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value.peakRSSBytes >> 20) MiB" }.joined(separator: ", ")
                row("growth", "\(point.subjects) subjects events/s", number(point.eventsPerS), "peak RSS " + memory)
            }
            let ratios = growth.peakRSSRatio.sorted { $0.key < $1.key }.map { "\($0.key) " + String(format: "%.2f", $0.value) }
            row("", "large/small events/s", String(format: "%.2f", growth.eventsPerSRatio),
                "peak RSS ratio " + ratios.joined(separator: ", "))
        }
        row("checks", report.checks.passed ? "every event accounted for" : "FAILED", report.checks.passed ? "passed" : "FAILED")
        for failure in report.checks.failures { lines.append("            " + failure) }
        let r = report.retention
        row("retention", "\(r.partitions) partitions/topic", "\(r.estimatedBytesPerPartition >> 10) KiB",
            "unread at most per partition (backlog window; agency topics \(r.agencyPartitions) each), limit \(r.bytesPerPartitionLimit >> 20) MiB; "
                + (r.truncated.isEmpty ? "no truncation" : "truncated: \(r.truncated.count) partition(s)"
                    + (r.lostMessages ? ", MESSAGES LOST" : ", nothing lost")))
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
