import CreditModel
import Foundation

extension PipelineBenchReport {
    /// Medians and spreads over `repetitions`, the checks, and the targets of issue 8.
    static func assemble(startedAt: Date, parameters: PipelineBenchParameters, repetitions: [Repetition],
                         growth: Growth?, retention: Retention) -> PipelineBenchReport {
        func spread(_ value: (Repetition) -> Double) -> Spread { Spread(repetitions.map(value)) }
        let copy = spread(\.copyRowsPerS)
        let events = spread(\.throughput.eventsPerS)
        let limits = Limits(copyRowsPerS: copy.median, copyEventRowsPerS: spread(\.copyEvents.rowsPerSecond).median,
                            copyLedgerRowsPerS: spread(\.copyLedger.rowsPerSecond).median,
                            kafkaProduceMsgsPerS: spread(\.kafkaProduceMsgsPerS).median,
                            kafkaConsumeMsgsPerS: spread(\.kafkaConsumeMsgsPerS).median, copyRowsPerSSpread: copy)
        let ratio = copy.median > 0 ? events.median / copy.median : 0
        var throughput = Throughput(eventsPerS: events.median, eventsPerSToDecisions: spread(\.throughput.eventsPerSToDecisions).median,
                                    ratioToCopy: ratio, eventsPerSSpread: events,
                                    eventsPerSToDecisionsSpread: spread(\.throughput.eventsPerSToDecisions),
                                    meetsTarget: ratio >= 0.25,
                                    cpu: CPUShares.median(repetitions.compactMap(\.cpuDuringThroughput)))
        let counted = repetitions.filter { $0.throughput.rowsWritten != nil }
        if !counted.isEmpty {
            func median(_ value: (Repetition, RowsWritten) -> Double) -> Double {
                Spread(counted.map { value($0, $0.throughput.rowsWritten!) }).median
            }
            throughput.rowsInsertedPerEvent = median { $1.insertedPerEvent }
            throughput.rowsUpdatedPerEvent = median { $1.updatedPerEvent }
            throughput.rowsDeletedPerEvent = median { $1.deletedPerEvent }
            let limit = median { $1.copyLimitEventsPerS(copyRowsPerS: $0.copyRowsPerS) }
            throughput.copyLimitEventsPerS = limit
            throughput.ratioToCopyLimitEvents = limit > 0 ? events.median / limit : nil
        }
        let at50 = LoadLevel(repetitions.compactMap(\.latencyAt50pct))
        let at80 = LoadLevel(repetitions.compactMap(\.latencyAt80pct))
        let latency = Latency(p99MsAt50pct: at50.scoreChange.p99Ms, p99MsAt80pct: at80.scoreChange.p99Ms,
                              at50pct: at50, at80pct: at80, meetsTarget: at50.scoreChange.p99Ms <= 50)
        let failures = repetitions.flatMap { repetition in
            repetition.checks.filter { !$0.passed }.map { "rep \(repetition.index): \($0.name): \($0.detail)" }
        }
        var retention = retention
        retention.lostMessages = !retention.truncated.isEmpty && !failures.isEmpty
        return PipelineBenchReport(startedAt: RFC3339.format(startedAt), machine: .current(), parameters: parameters,
                                   limits: limits, throughput: throughput, latency: latency, growth: growth,
                                   checks: Checks(passed: failures.isEmpty && !repetitions.isEmpty, failures: failures),
                                   retention: retention, repetitions: repetitions)
    }
}

extension PipelineBenchReport.LoadLevel {
    /// Medians over the runs at one level (zeros when none).
    init(_ runs: [LatencyRun]) {
        func median(_ value: (LatencyRun) -> Double) -> Double { Spread(runs.map(value)).median }
        func summary(_ path: (LatencyResult) -> LatencySummary) -> LatencySummary {
            var result = LatencySummary(LatencyHistogram())
            result.count = Int(median { Double(path($0.result).count) })
            result.p50Ms = median { path($0.result).p50Ms }
            result.p99Ms = median { path($0.result).p99Ms }
            result.p999Ms = median { path($0.result).p999Ms }
            result.maxMs = runs.map { path($0.result).maxMs }.max() ?? 0
            return result
        }
        self.init(targetEventsPerS: median(\.targetEventsPerS), scoreChange: summary(\.scoreChange),
                  scoreChangeProduced: summary(\.scoreChangeProduced),
                  eventAcceptedProduced: runs.isEmpty || runs.contains { $0.result.eventAcceptedProduced == nil }
                      ? nil : summary { $0.eventAcceptedProduced ?? LatencySummary(LatencyHistogram()) },
                  decision: summary(\.decision), scoreChangeP99Spread: Spread(runs.map(\.result.scoreChange.p99Ms)),
                  cpu: CPUShares.median(runs.compactMap(\.cpu)))
    }
}

extension PipelineBenchReport.Growth {
    /// Growth from `small` to `large`.
    init(small: Point, large: Point) {
        var ratios: [String: Double] = [:]
        for (service, memory) in large.memory {
            if let before = small.memory[service], before.peakRSSBytes > 0 {
                ratios[service] = Double(memory.peakRSSBytes) / Double(before.peakRSSBytes)
            }
        }
        self.init(small: small, large: large, eventsPerSRatio: small.eventsPerS > 0 ? large.eventsPerS / small.eventsPerS : 0,
                  peakRSSRatio: ratios)
    }
}
