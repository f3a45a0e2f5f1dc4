import CreditCtlKit
import Foundation
import Testing

@Suite struct LatencyHistogramTests {
    @Test func percentilesOfAUniformRangeAreWithinTheBucketPrecision() {
        var histogram = LatencyHistogram()
        for value in 1...100_000 { histogram.record(microseconds: UInt64(value)) }
        #expect(histogram.count == 100_000)
        for (quantile, exact) in [(0.5, 50_000.0), (0.99, 99_000.0), (0.999, 99_900.0)] {
            let value = Double(histogram.value(atQuantile: quantile))
            #expect(value >= exact && value <= exact * (1 + 1.0 / 64), "q\(quantile): \(value)")
        }
        #expect(histogram.value(atQuantile: 1) == 100_000)
        #expect(histogram.minimum == 1)
    }

    @Test func smallValuesAreExactAndTheTailIsSeen() {
        var histogram = LatencyHistogram()
        for _ in 0..<999 { histogram.record(microseconds: 100) }
        histogram.record(.seconds(2))
        #expect(histogram.value(atQuantile: 0.5) == 100)
        #expect(histogram.value(atQuantile: 0.999) == 100)
        #expect(histogram.value(atQuantile: 1) == 2_000_000)
        #expect(histogram.milliseconds(atQuantile: 0.5) == 0.1)
    }

    @Test func mergeAddsCounts() {
        var a = LatencyHistogram(), b = LatencyHistogram()
        a.record(microseconds: 10)
        b.record(microseconds: 1_000_000)
        a.merge(b)
        #expect(a.count == 2 && a.maximum == 1_000_000 && a.minimum == 10)
        #expect(LatencyHistogram().value(atQuantile: 0.99) == 0)
    }
}

@Suite struct BenchHelperTests {
    @Test func spreadIsMedianAndRelativeRange() {
        let spread = Spread([3, 1, 2])
        #expect(spread.median == 2 && spread.min == 1 && spread.max == 3 && spread.relative == 1)
        #expect(Spread([1, 2, 3, 4]).median == 2.5)
        #expect(Spread([]).median == 0)
    }

    @Test func processStatusGivesResidentMemory() throws {
        let status = "Name:\tingest\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n"
        let memory = try #require(ProcessMemory.parse(status: status))
        #expect(memory.rssBytes == 100 << 20 && memory.peakRSSBytes == 200 << 20)
        #expect(ProcessMemory.parse(status: "Name:\tzombie\n") == nil)
        let own = try #require(ProcessMemory.read(pid: getpid()))
        #expect(own.rssBytes > 0)
    }

    @Test func progressLineShowsRateAndETA() {
        let line = ProgressLine.render(done: 50, total: 200, elapsed: 10, unit: "events", bar: true)
        #expect(line.hasPrefix("[#######"))
        #expect(line.contains(" 25.0%") && line.contains("50/200 events") && line.contains("5/s") && line.contains("ETA 0:30"))
        #expect(!ProgressLine.render(done: 0, total: 10, elapsed: 0, unit: "events", bar: false).contains("["))
        #expect(ProgressLine.clock(3_725) == "1:02:05")
        #expect(ProgressLine.clock(.infinity) == "-")
    }

    @Test func databaseURLsNameAnotherDatabase() {
        #expect(DatabaseURL.replacingDatabase(in: "postgresql://postgres@127.0.0.1:5432/postgres", with: "bench_1")
                == "postgresql://postgres@127.0.0.1:5432/bench_1")
        #expect(DatabaseURL.replacingDatabase(in: "postgres://u:p@h:1?sslmode=disable", with: "b")
                == "postgres://u:p@h:1/b?sslmode=disable")
        #expect(DatabaseURL.replacingDatabase(in: "host=h dbname=x", with: "b") == nil)
    }

    /// Latencies land in the second their events were published in; a second without samples
    /// stays, empty, so that the seconds keep their places.
    @Test func timelineGroupsLatenciesBySecondOfPublication() {
        var timeline = LatencyTimeline()
        for millis in 1...100 { timeline.record(.milliseconds(millis), publishedAfter: .milliseconds(300)) }
        timeline.record(.milliseconds(900), publishedAfter: .milliseconds(2_999))
        timeline.record(.milliseconds(5), publishedAfter: .milliseconds(-1))  // before the origin: second 0
        let seconds = timeline.summaries
        #expect(seconds.map(\.second) == [0, 1, 2])
        #expect(seconds.map(\.count) == [101, 0, 1])
        #expect(abs(seconds[0].p99Ms - 99) <= 99 / 64.0 && seconds[0].maxMs == 100)
        #expect(seconds[1].p99Ms == 0 && seconds[2].p50Ms == 900 && seconds[2].maxMs == 900)
    }
}
