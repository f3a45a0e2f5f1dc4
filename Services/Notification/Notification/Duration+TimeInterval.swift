extension Duration {
    /// The duration in (fractional) seconds, for SQL intervals and URL timeouts.
    var timeInterval: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
