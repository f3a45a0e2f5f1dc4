@testable import Scoring
import Testing

/// `keepAll(where:)` is `filter` done in place: same elements, same order, none left behind.
@Suite struct ArrayMovingFilterTests {
    @Test(arguments: [0, 1, 2, 7, 40])
    func keepsWhatFilterKeepsInOrder(count: Int) {
        let original = (0..<count).map { "entry \($0) of a string long enough to live on the heap" }
        for modulus in 1...3 {
            var kept = original
            kept.keepAll { Int($0.pointee.split(separator: " ")[1])! % modulus == 0 }
            #expect(kept == original.filter { Int($0.split(separator: " ")[1])! % modulus == 0 })
        }
        var none = original
        none.keepAll { _ in false }
        #expect(none.isEmpty)
    }

    /// The array's storage is not shared with the caller's copy: the copy keeps every element.
    @Test func leavesOtherCopiesAlone() {
        let original = ["a", "b", "c", "d"]
        var kept = original
        kept.keepAll { $0.pointee != "b" }
        #expect(kept == ["a", "c", "d"])
        #expect(original == ["a", "b", "c", "d"])
    }
}
