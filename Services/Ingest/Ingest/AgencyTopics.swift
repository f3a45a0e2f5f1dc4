import CreditModel

/// Which Kafka topics ingest reads and how a topic names its agency.
///
/// Production reads every `agency.<id>.events` topic. A `prefix` (e.g. `t-1234.`) makes the
/// service read only `<prefix>agency.<id>.events`, so that tests running in parallel on one
/// broker each feed their own instance while agency ids stay those of the registry.
public struct AgencyTopics: Sendable, Hashable {
    /// Put before every agency topic name; empty in production.
    public let prefix: String

    /// Topics `<prefix>agency.<id>.events`.
    public init(prefix: String = "") { self.prefix = prefix }

    /// The librdkafka pattern subscription matching every agency topic with the prefix.
    public var pattern: String {
        let body = Topics.agencyEventsPattern.dropFirst()  // drop the leading ^
        return "^" + Self.escapeRegex(prefix) + body
    }

    /// The topic on which `agency` publishes.
    public func topic(for agency: String) -> String { prefix + Topics.agencyEvents(agency) }

    /// The agency a topic names, or nil when the name is not `<prefix>agency.<id>.events`.
    public func agency(fromTopic topic: String) -> String? {
        guard topic.utf8.starts(with: prefix.utf8) else { return nil }
        return Topics.agencyID(ofEventsTopic: String(decoding: topic.utf8.dropFirst(prefix.utf8.count), as: UTF8.self))
    }

    /// Escapes the characters a POSIX extended regular expression treats specially.
    static func escapeRegex(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
