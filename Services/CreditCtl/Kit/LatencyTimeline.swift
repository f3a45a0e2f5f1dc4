/// Latencies grouped by the second of the run in which their events were published, so that a
/// run's tail can be told apart: a stall shows as a few bad seconds, queueing on a busy machine
/// as a high p99 throughout.
public struct LatencyTimeline: Sendable {
    private var seconds: [LatencyHistogram] = []

    /// An empty timeline.
    public init() {}

    /// Records `latency` of an event published `offset` after the run's first publication.
    public mutating func record(_ latency: Duration, publishedAfter offset: Duration) {
        let second = max(0, Int(offset.components.seconds))
        while seconds.count <= second { seconds.append(LatencyHistogram()) }
        seconds[second].record(latency)
    }

    /// One summary per second, from the first; a second without samples has a count of 0.
    public var summaries: [LatencySecond] {
        seconds.enumerated().map { LatencySecond(second: $0.offset, histogram: $0.element) }
    }
}

/// The latencies of the events published in one second of a run, in milliseconds.
public struct LatencySecond: Codable, Sendable, Hashable {
    /// Seconds after the run's first publication.
    public var second: Int
    /// Samples.
    public var count: Int
    /// Median.
    public var p50Ms: Double
    /// 99th percentile.
    public var p99Ms: Double
    /// Largest.
    public var maxMs: Double

    /// The summary of `histogram`, the samples of `second`.
    public init(second: Int, histogram: LatencyHistogram) {
        self.second = second
        count = Int(histogram.count)
        p50Ms = histogram.milliseconds(atQuantile: 0.5)
        p99Ms = histogram.milliseconds(atQuantile: 0.99)
        maxMs = Double(histogram.maximum) / 1000
    }

    enum CodingKeys: String, CodingKey {
        case second, count
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case maxMs = "max_ms"
    }
}
