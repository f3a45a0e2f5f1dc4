import Yams

/// Reads a composed YAML tree while collecting problems with the line of each offending node,
/// so a rulebook load reports every mistake at once instead of the first.
struct YAMLReader {
    /// The file name used in problems.
    let file: String
    /// The problems found so far, in document order.
    private(set) var problems: [RulebookError.Problem] = []

    init(file: String) { self.file = file }

    /// Records `message` at `node`'s line.
    mutating func report(_ message: String, at node: Node?) {
        problems.append(RulebookError.Problem(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    /// The mapping's entries by key (keys must be strings; unknown keys are reported).
    mutating func mapping(_ node: Node, _ what: String, allowed: Set<String>) -> YAMLMapping? {
        guard let mapping = node.mapping else {
            report("\(what) must be a mapping", at: node)
            return nil
        }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report("\(what) has a key that is not a string", at: key)
                continue
            }
            if !allowed.contains(name) {
                report("\(what) has an unknown key '\(name)' (allowed: \(allowed.sorted().joined(separator: ", ")))", at: key)
            } else if entries[name] != nil {
                report("\(what) has key '\(name)' twice", at: key)
            }
            entries[name] = value
        }
        return YAMLMapping(node: node, what: what, entries: entries)
    }

    /// The sequence's items (a missing sequence is reported when `required`).
    mutating func sequence(_ node: Node?, _ what: String, in parent: YAMLMapping, required: Bool = true) -> [Node] {
        guard let node else {
            if required { report("\(parent.what) is missing '\(what)'", at: parent.node) }
            return []
        }
        guard let sequence = node.sequence else {
            report("'\(what)' must be a list", at: node)
            return []
        }
        return Array(sequence)
    }

    /// A required string field.
    mutating func string(_ key: String, in parent: YAMLMapping, required: Bool = true) -> String? {
        guard let node = parent.entries[key] else {
            if required { report("\(parent.what) is missing '\(key)'", at: parent.node) }
            return nil
        }
        guard let text = node.scalar?.string, !text.isEmpty else {
            report("'\(key)' must be a non-empty string", at: node)
            return nil
        }
        return text
    }

    /// A required integer field.
    mutating func int(_ key: String, in parent: YAMLMapping, required: Bool = true) -> Int? {
        guard let node = parent.entries[key] else {
            if required { report("\(parent.what) is missing '\(key)'", at: parent.node) }
            return nil
        }
        guard node.scalar != nil, let value = node.int else {
            report("'\(key)' must be an integer, got '\(node.scalar?.string ?? "a collection")'", at: node)
            return nil
        }
        return value
    }

    /// A list of strings.
    mutating func strings(_ key: String, in parent: YAMLMapping, required: Bool = true) -> [(String, Node)] {
        sequence(parent.entries[key], key, in: parent, required: required).compactMap { item in
            guard let text = item.scalar?.string, !text.isEmpty else {
                report("'\(key)' must list non-empty strings", at: item)
                return nil
            }
            return (text, item)
        }
    }

    /// A list of integers.
    mutating func ints(_ key: String, in parent: YAMLMapping) -> [Int] {
        sequence(parent.entries[key], key, in: parent).compactMap { item in
            guard item.scalar != nil, let value = item.int else {
                report("'\(key)' must list integers", at: item)
                return nil
            }
            return value
        }
    }

    /// A period such as `2y`.
    mutating func period(_ key: String, in parent: YAMLMapping, required: Bool = true) -> RulebookPeriod? {
        guard let text = string(key, in: parent, required: required) else { return nil }
        guard let period = RulebookPeriod(text: text) else {
            report("'\(key)' must be a period such as 2y, 6m, 4w or 30d, got '\(text)'", at: parent.entries[key])
            return nil
        }
        return period
    }

    /// Subject types (`person`, `company`, `organisation`).
    mutating func subjectTypes(_ key: String, in parent: YAMLMapping, required: Bool = true) -> Set<SubjectType>? {
        let names = strings(key, in: parent, required: required)
        guard !names.isEmpty else { return nil }
        var types = Set<SubjectType>()
        for (name, node) in names {
            guard let type = SubjectType(rawValue: name) else {
                report("unknown subject type '\(name)' (known: person, company, organisation)", at: node)
                continue
            }
            types.insert(type)
        }
        return types
    }
}

/// A mapping node with its string-keyed entries.
struct YAMLMapping {
    /// The mapping itself (for its line).
    let node: Node
    /// What it is, for messages ("rule 'x'").
    let what: String
    /// The entries by key.
    let entries: [String: Node]

    /// The node of `key`, for reporting a problem with its value.
    subscript(key: String) -> Node? { entries[key] }
}
