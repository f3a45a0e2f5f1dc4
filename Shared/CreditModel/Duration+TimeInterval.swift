extension Duration {
    /// The duration in (fractional) seconds: for SQL intervals, URL timeouts, rates and wall-clock
    /// arithmetic with `Date`.
    public var timeInterval: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
