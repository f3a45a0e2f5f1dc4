/// Attributes for generated events (the simulator, the benchmarks, replay tests).
extension EventKindDefinition {
    /// Attributes that satisfy this kind's requirements, drawn from `rng`: an integer
    /// requirement gets a value in its range, a positive number 1–24, and `online.fake_news`
    /// a `topic` (terrorism and airport safety have rules of their own).
    public func syntheticAttributes(using rng: inout some RandomNumberGenerator) -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for requirement in requirements {
            switch requirement {
            case .integer(let name, let range): attributes[name] = .int(Int64.random(in: range, using: &rng))
            case .positiveNumber(let name): attributes[name] = .number(Double(Int.random(in: 1...24, using: &rng)))
            }
        }
        if kind.rawValue == "online.fake_news" {
            attributes["topic"] = .string(["terrorism", "airport_safety", "other"].randomElement(using: &rng)!)
        }
        return attributes
    }
}
