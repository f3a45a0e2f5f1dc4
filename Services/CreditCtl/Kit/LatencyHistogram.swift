/// A log-linear latency histogram (the HdrHistogram layout): values up to 127 µs have exact
/// buckets; above, each power of two is split into 64 buckets, so every recorded value is
/// kept within 1/64 (1.6 %) of itself, whatever its size, in a few kilobytes.
public struct LatencyHistogram: Sendable, Hashable {
    private static let subBuckets = 64
    private var counts: [UInt64]
    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// The smallest value recorded, in microseconds.
    public private(set) var minimum: UInt64 = .max
    /// The largest value recorded, in microseconds.
    public private(set) var maximum: UInt64 = 0

    /// An empty histogram.
    public init() {
        counts = Array(repeating: 0, count: 2 * Self.subBuckets + 58 * Self.subBuckets)
    }

    /// Records one value in microseconds.
    public mutating func record(microseconds value: UInt64) {
        counts[Self.index(of: value)] += 1
        count += 1
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    /// Records a duration (negative ones count as 0).
    public mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = seconds < 0 ? 0 : UInt64(seconds) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
        record(microseconds: micros)
    }

    /// Adds every value of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// The value at `quantile` (0...1) in microseconds: the highest value of the bucket holding
    /// the ⌈quantile × count⌉-th smallest value (capped at the maximum); 0 when empty.
    public func value(atQuantile quantile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((quantile * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += bucketCount
            if seen >= rank { return min(Self.highestValue(of: index), maximum) }
        }
        return maximum
    }

    /// The value at `quantile` in milliseconds.
    public func milliseconds(atQuantile quantile: Double) -> Double {
        Double(value(atQuantile: quantile)) / 1000
    }

    /// The bucket of `value`: exact below 128; above, 64 buckets per power of two.
    static func index(of value: UInt64) -> Int {
        guard value >= UInt64(2 * subBuckets) else { return Int(value) }
        let shift = (63 - value.leadingZeroBitCount) - 6  // value >> shift is in 64...127
        let top = Int(value >> UInt64(shift))
        return 2 * subBuckets + (shift - 1) * subBuckets + (top - subBuckets)
    }

    /// The highest value that falls into bucket `index`.
    static func highestValue(of index: Int) -> UInt64 {
        guard index >= 2 * subBuckets else { return UInt64(index) }
        let shift = (index - 2 * subBuckets) / subBuckets + 1
        let top = UInt64((index - 2 * subBuckets) % subBuckets + subBuckets)
        return ((top + 1) << UInt64(shift)) - 1
    }
}
