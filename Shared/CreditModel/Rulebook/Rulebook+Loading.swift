import Foundation
import Yams

extension Rulebook {
    /// Loads and validates the rulebook at `url`; errors name the file and line of each problem.
    public static func load(contentsOf url: URL) throws -> Rulebook {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw RulebookError(problems: [.init(file: url.path, line: 0, message: "cannot read the file: \(error)")])
        }
        return try parse(yaml: text, file: url.path)
    }

    /// Parses and validates a rulebook document; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(RulebookError) -> Rulebook {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RulebookError(problems: [.init(file: file, line: Self.line(of: error), message: "not valid YAML: \(error)")])
        }
        var reader = YAMLReader(file: file)
        guard let root, let top = reader.mapping(root, "the rulebook", allowed: ["version", "schemes", "rules", "policies"]) else {
            if root == nil { reader.report("the document is empty", at: nil) }
            throw RulebookError(problems: reader.problems)
        }
        let version = reader.int("version", in: top)
        var schemes: [Scheme] = []
        for node in reader.sequence(top["schemes"], "schemes", in: top) {
            guard let scheme = readScheme(node, &reader) else { continue }
            if schemes.contains(where: { $0.id == scheme.id }) {
                reader.report("scheme '\(scheme.id)' is defined twice", at: node)
            }
            for problem in problems(ofScheme: scheme) { reader.report(problem, at: node) }
            schemes.append(scheme)
        }
        var rules: [Rule] = []
        for node in reader.sequence(top["rules"], "rules", in: top) {
            guard let rule = readRule(node, schemes: schemes, &reader) else { continue }
            if rules.contains(where: { $0.id == rule.id }) { reader.report("rule '\(rule.id)' is defined twice", at: node) }
            rules.append(rule)
        }
        var policies: [Policy] = []
        for node in reader.sequence(top["policies"], "policies", in: top, required: false) {
            guard let policy = readPolicy(node, schemes: schemes, &reader) else { continue }
            if policies.contains(where: { $0.id == policy.id }) { reader.report("policy '\(policy.id)' is defined twice", at: node) }
            policies.append(policy)
        }
        guard reader.problems.isEmpty, let version else {
            throw RulebookError(problems: reader.problems.sorted { $0.line < $1.line })
        }
        return Rulebook(version: version, schemes: schemes, rules: rules, policies: policies)
    }

    private static func readScheme(_ node: Node, _ reader: inout YAMLReader) -> Scheme? {
        guard let map = reader.mapping(node, "a scheme", allowed: ["id", "subjects", "initial", "min", "max", "applies_to_all", "grades"]),
              let id = reader.string("id", in: map) else { return nil }
        let map2 = YAMLMapping(node: map.node, what: "scheme '\(id)'", entries: map.entries)
        var grades: [Grade] = []
        for gradeNode in reader.sequence(map2["grades"], "grades", in: map2) {
            guard let gradeMap = reader.mapping(gradeNode, "a grade of scheme '\(id)'", allowed: ["name", "min", "max"]),
                  let name = reader.string("name", in: gradeMap),
                  let low = reader.int("min", in: gradeMap), let high = reader.int("max", in: gradeMap) else { continue }
            guard low <= high else {
                reader.report("scheme '\(id)': grade '\(name)' has min \(low) above max \(high)", at: gradeNode)
                continue
            }
            grades.append(Grade(name: name, range: low...high))
        }
        let appliesToAll = map2["applies_to_all"].map { $0.bool ?? false } ?? true
        guard let types = reader.subjectTypes("subjects", in: map2), let initial = reader.int("initial", in: map2),
              let minimum = reader.int("min", in: map2), let maximum = reader.int("max", in: map2) else { return nil }
        return Scheme(id: id, subjectTypes: types, initialPoints: initial, minimum: minimum, maximum: maximum,
                      appliesToAll: appliesToAll, grades: grades)
    }

    private static func readRule(_ node: Node, schemes: [Scheme], _ reader: inout YAMLReader) -> Rule? {
        let keys: Set<String> = ["id", "version", "scheme", "kind", "when", "points", "escalation", "cap", "expires_after", "reason", "only_if_enrolled"]
        guard let bare = reader.mapping(node, "a rule", allowed: keys), let id = reader.string("id", in: bare) else { return nil }
        let map = YAMLMapping(node: bare.node, what: "rule '\(id)'", entries: bare.entries)
        let version = reader.int("version", in: map), schemeID = reader.string("scheme", in: map)
        let kindName = reader.string("kind", in: map), reason = reader.string("reason", in: map)
        let conditions = reader.sequence(map["when"], "when", in: map, required: false).compactMap { readCondition($0, &reader) }
        let escalation = map["escalation"].flatMap { readEscalation($0, rule: id, &reader) }
        let cap = map["cap"].flatMap { readCap($0, rule: id, &reader) }
        let expiresAfter = reader.period("expires_after", in: map, required: false)
        let points = escalation == nil ? reader.int("points", in: map) : (reader.int("points", in: map, required: false) ?? 0)
        if let kindName {
            for problem in problems(ofKind: EventKind(rawValue: kindName)) { reader.report("rule '\(id)': \(problem)", at: map["kind"]) }
        }
        var scheme: Scheme?
        if let schemeID {
            scheme = schemes.first { $0.id == schemeID }
            if scheme == nil { reader.report("rule '\(id)': unknown scheme '\(schemeID)'", at: map["scheme"]) }
        }
        guard let version, let scheme, let kindName, let reason, let points else { return nil }
        let rule = Rule(id: id, version: version, scheme: scheme.id, kind: EventKind(rawValue: kindName), conditions: conditions,
                        points: points, escalation: escalation, cap: cap, expiresAfter: expiresAfter, reason: reason,
                        onlyIfEnrolled: map["only_if_enrolled"]?.bool ?? false)
        for problem in problems(ofRule: rule, scheme: scheme) { reader.report(problem, at: node) }
        return rule
    }

    private static func readCondition(_ node: Node, _ reader: inout YAMLReader) -> Condition? {
        guard let map = reader.mapping(node, "a condition", allowed: ["attribute", "op", "value"]),
              let attribute = reader.string("attribute", in: map), let op = reader.string("op", in: map) else { return nil }
        guard let comparison = Condition.Comparison(rawValue: op) else {
            let known = Condition.Comparison.allCases.map(\.rawValue).joined(separator: " ")
            reader.report("condition on '\(attribute)': unknown comparison '\(op)' (known: \(known))", at: map["op"])
            return nil
        }
        guard let valueNode = map["value"], let scalar = valueNode.scalar else {
            reader.report("condition on '\(attribute)' needs a number or string 'value'", at: map["value"] ?? node)
            return nil
        }
        // A plain scalar that reads as a number is a number; anything quoted is a string.
        if scalar.style == .plain, let number = valueNode.float {
            return Condition(attribute: attribute, comparison: comparison, operand: .number(number))
        }
        return Condition(attribute: attribute, comparison: comparison, operand: .string(scalar.string))
    }

    private static func readEscalation(_ node: Node, rule: String, _ reader: inout YAMLReader) -> Escalation? {
        guard let map = reader.mapping(node, "the escalation of rule '\(rule)'", allowed: ["group", "window", "steps"]) else { return nil }
        let group = reader.string("group", in: map, required: false) ?? rule
        let steps = reader.ints("steps", in: map)
        guard let window = reader.period("window", in: map) else { return nil }
        return Escalation(group: group, window: window, steps: steps)
    }

    private static func readCap(_ node: Node, rule: String, _ reader: inout YAMLReader) -> Cap? {
        guard let map = reader.mapping(node, "the cap of rule '\(rule)'", allowed: ["points", "per"]),
              let points = reader.int("points", in: map), let period = reader.period("per", in: map) else { return nil }
        return Cap(points: points, period: period)
    }

    private static func readPolicy(_ node: Node, schemes: [Scheme], _ reader: inout YAMLReader) -> Policy? {
        let keys: Set<String> = ["id", "version", "scheme", "when", "on_event", "lifted_by", "subjects", "target", "measures",
                                 "appeal_days", "reason", "duration_days"]
        guard let bare = reader.mapping(node, "a policy", allowed: keys), let id = reader.string("id", in: bare) else { return nil }
        let map = YAMLMapping(node: bare.node, what: "policy '\(id)'", entries: bare.entries)
        let version = reader.int("version", in: map), reason = reader.string("reason", in: map)
        let appealDays = reader.int("appeal_days", in: map, required: false) ?? 0
        let durationDays = reader.int("duration_days", in: map, required: false)
        if let durationDays, durationDays <= 0 {
            reader.report("policy '\(id)': duration_days must be a positive number of days, got \(durationDays)", at: map["duration_days"])
        }
        let target = reader.string("target", in: map, required: false) ?? onlyTarget
        for problem in problems(ofTarget: target) { reader.report("policy '\(id)': \(problem)", at: map["target"]) }
        guard let (trigger, subjectTypes) = readTrigger(map, policy: id, schemes: schemes, &reader) else { return nil }
        var measures: [Measure] = []
        for (name, measureNode) in reader.strings("measures", in: map) {
            let measure = Measure(rawValue: name)
            for problem in problems(ofMeasure: measure, for: subjectTypes) { reader.report("policy '\(id)': \(problem)", at: measureNode) }
            measures.append(measure)
        }
        guard let version, let reason else { return nil }
        let policy = Policy(id: id, version: version, trigger: trigger, subjectTypes: subjectTypes, measures: measures,
                            appealDays: appealDays, reason: reason, durationDays: durationDays)
        for problem in problems(ofPolicy: policy) { reader.report(problem, at: node) }
        return policy
    }

    /// A policy's trigger: `scheme` + `when` (a state) or `on_event` (+ `lifted_by`), and the
    /// subject types it concerns (the scheme's, or the event kind's narrowed by `subjects`).
    private static func readTrigger(_ map: YAMLMapping, policy id: String, schemes: [Scheme], _ reader: inout YAMLReader)
        -> (Policy.Trigger, Set<SubjectType>)?
    {
        let explicitTypes = reader.subjectTypes("subjects", in: map, required: false)
        if let kindName = reader.string("on_event", in: map, required: false) {
            let kind = EventKind(rawValue: kindName)
            var valid = true
            for problem in problems(ofKind: kind) { reader.report("policy '\(id)': \(problem)", at: map["on_event"]); valid = false }
            let lifting = reader.strings("lifted_by", in: map, required: false).map { name, node in
                for problem in problems(ofKind: EventKind(rawValue: name)) { reader.report("policy '\(id)': \(problem)", at: node) }
                return EventKind(rawValue: name)
            }
            let kindTypes = kind.definition?.subjectTypes ?? []
            let types = explicitTypes ?? kindTypes
            if valid && !types.isSubset(of: kindTypes) {
                reader.report("policy '\(id)': kind '\(kind)' cannot concern \(types.subtracting(kindTypes).map(\.rawValue).sorted().joined(separator: ", ")) subjects", at: map["subjects"])
            }
            return valid ? (.event(kind: kind, liftedBy: lifting), types) : nil
        }
        guard let schemeID = reader.string("scheme", in: map) else { return nil }
        guard let scheme = schemes.first(where: { $0.id == schemeID }) else {
            reader.report("policy '\(id)': unknown scheme '\(schemeID)'", at: map["scheme"])
            return nil
        }
        guard let whenNode = map["when"],
              let when = reader.mapping(whenNode, "the condition of policy '\(id)'", allowed: ["grade_in", "points_at_most", "points_at_least"]),
              when.entries.count == 1 else {
            reader.report("policy '\(id)' needs 'on_event', or 'scheme' with 'when' holding one of grade_in, points_at_most, points_at_least", at: map["when"] ?? map.node)
            return nil
        }
        let condition: Policy.StateCondition
        if when["grade_in"] != nil {
            let grades = reader.strings("grade_in", in: when)
            for (grade, node) in grades where !scheme.grades.contains(where: { $0.name == grade }) {
                reader.report("policy '\(id)': scheme '\(scheme.id)' has no grade '\(grade)'", at: node)
            }
            condition = .gradeIn(grades.map(\.0))
        } else if let limit = reader.int("points_at_most", in: when, required: false) {
            condition = .pointsAtMost(limit)
        } else if let limit = reader.int("points_at_least", in: when, required: false) {
            condition = .pointsAtLeast(limit)
        } else {
            return nil
        }
        return (.state(scheme: scheme.id, condition: condition), explicitTypes ?? scheme.subjectTypes)
    }

    /// The line a Yams parse error points at, if it says.
    private static func line(of error: any Error) -> Int {
        guard let error = error as? YamlError else { return 0 }
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }
}
