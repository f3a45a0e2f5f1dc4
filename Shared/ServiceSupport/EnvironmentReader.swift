import Foundation

/// Reads typed settings from environment variables, for a service's `main`.
///
/// Libraries never read the environment themselves: `main` builds their `Sendable`
/// configuration structs with this reader, so a bad value fails at start-up with a message
/// that names the variable, instead of deep inside a library.
public struct EnvironmentReader: Sendable {
    /// The variables read; the process environment by default, a dictionary in tests.
    public let values: [String: String]

    /// Creates a reader over `values` (the process environment by default).
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The variable's value, or `defaultValue` when it is unset or empty.
    public func string(_ name: String, default defaultValue: String) -> String {
        optionalString(name) ?? defaultValue
    }

    /// The variable's value, or nil when it is unset or empty.
    public func optionalString(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// The variable's value; throws when it is unset or empty.
    public func requiredString(_ name: String) throws(ConfigurationError) -> String {
        guard let value = optionalString(name) else { throw ConfigurationError(variable: name, problem: "is required but not set") }
        return value
    }

    /// The variable as an integer in `range`, or `defaultValue` when unset.
    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int> = Int.min...Int.max)
        throws(ConfigurationError) -> Int
    {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = Int(text) else {
            throw ConfigurationError(variable: name, problem: "must be an integer, got \"\(text)\"")
        }
        guard range.contains(value) else {
            throw ConfigurationError(variable: name, problem: "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// The variable as a boolean (`true/false`, `1/0`, `yes/no`), or `defaultValue` when unset.
    public func bool(_ name: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let text = optionalString(name) else { return defaultValue }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "must be true or false, got \"\(text)\"")
        }
    }

    /// The variable as a duration in seconds (`250ms`, `5s`, `2m`, `1h`, `11d`, or plain seconds).
    public func duration(_ name: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = DurationText.parse(text) else {
            throw ConfigurationError(variable: name, problem: "must be a duration such as 500ms, 5s, 2m, 1h or 11d, got \"\(text)\"")
        }
        return value
    }
}

/// A configuration value that is missing or malformed, naming the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong with it.
    public let problem: String

    /// Creates the error for `variable`.
    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "configuration: \(variable) \(problem)" }
}

/// Parses human durations such as `500ms`, `5s`, `2m`, `1h`, `11d`.
public enum DurationText {
    /// The duration `text` names, or nil when it is not one. A bare number means seconds.
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            if let value = Double(number), value.isFinite, value >= 0 {
                return .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
            }
            return nil
        }
        if let value = Double(trimmed), value.isFinite, value >= 0 { return .milliseconds(Int64((value * 1000).rounded())) }
        return nil
    }
}
