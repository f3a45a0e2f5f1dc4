extension Array {
    /// Keeps only the elements for which `isKept` holds, in their order, moving them within the
    /// array's own storage. `isKept` is given each element's address and should read only the
    /// fields it needs through `pointee`.
    ///
    /// Why not `removeAll(where:)` or `filter`: with ledger entries (a dozen strings each) both
    /// copied every element they looked at, a retain per string, which showed in scoring's
    /// profile; so did a predicate taking the element itself, even `borrowing`. This one moves
    /// elements and never copies them.
    mutating func keepAll(where isKept: (UnsafePointer<Element>) throws -> Bool) rethrows {
        let kept = try withUnsafeMutableBufferPointer { elements in
            guard let base = elements.baseAddress else { return 0 }
            var kept = 0
            for index in elements.indices where try isKept(base + index) {
                elements.swapAt(kept, index)
                kept += 1
            }
            return kept
        }
        removeSubrange(kept...)
    }
}
