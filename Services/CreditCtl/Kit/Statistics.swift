/// The summary of repeated measurements: the median and how far the repetitions spread.
public struct Spread: Codable, Sendable, Hashable {
    /// The median (for an even count, the mean of the middle two).
    public var median: Double
    /// The smallest value.
    public var min: Double
    /// The largest value.
    public var max: Double
    /// (max − min) / median: 0.1 means the repetitions lie within 10 % of the median.
    public var relative: Double

    /// Summarises `values` (all zero when empty).
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        guard let first = sorted.first, let last = sorted.last else {
            self.init(median: 0, min: 0, max: 0)
            return
        }
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        self.init(median: median, min: first, max: last)
    }

    /// A spread from its parts.
    public init(median: Double, min: Double, max: Double) {
        self.median = median
        self.min = min
        self.max = max
        self.relative = median != 0 ? (max - min) / median : 0
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
