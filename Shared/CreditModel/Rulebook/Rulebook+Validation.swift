
/// The rulebook's semantic checks, each returning the problems it finds in plain language.
/// The loader runs them with the YAML node at hand and attaches its line to each problem.
extension Rulebook {
    /// The word used for any target other than the subject: measures bind only the subject
    /// whose record caused them (DESIGN §1, individual responsibility).
    static let onlyTarget = "subject"

    /// Problems with a scheme's bounds, initial points and grades: the grades must cover
    /// `minimum...maximum` exactly, without overlap or gap, and have distinct names.
    static func problems(ofScheme scheme: Scheme) -> [String] {
        var problems: [String] = []
        guard scheme.minimum <= scheme.maximum else {
            return ["scheme '\(scheme.id)': min \(scheme.minimum) is above max \(scheme.maximum)"]
        }
        if !(scheme.minimum...scheme.maximum).contains(scheme.initialPoints) {
            problems.append("scheme '\(scheme.id)': initial points \(scheme.initialPoints) are outside \(scheme.minimum)...\(scheme.maximum)")
        }
        let names = scheme.grades.map(\.name)
        for name in Set(names) where names.filter({ $0 == name }).count > 1 {
            problems.append("scheme '\(scheme.id)': grade '\(name)' is defined twice")
        }
        let sorted = scheme.grades.sorted { $0.range.lowerBound < $1.range.lowerBound }
        guard let lowest = sorted.first, let highest = sorted.last else {
            return problems + ["scheme '\(scheme.id)' has no grades"]
        }
        if lowest.range.lowerBound > scheme.minimum {
            problems.append("scheme '\(scheme.id)': grades leave a gap: \(scheme.minimum)...\(lowest.range.lowerBound - 1) has no grade")
        }
        if highest.range.upperBound < scheme.maximum {
            problems.append("scheme '\(scheme.id)': grades leave a gap: \(highest.range.upperBound + 1)...\(scheme.maximum) has no grade")
        }
        for (lower, upper) in zip(sorted, sorted.dropFirst()) {
            if upper.range.lowerBound <= lower.range.upperBound {
                problems.append("scheme '\(scheme.id)': grades '\(lower.name)' (\(lower.range.lowerBound)...\(lower.range.upperBound)) and '\(upper.name)' (\(upper.range.lowerBound)...\(upper.range.upperBound)) overlap")
            } else if upper.range.lowerBound > lower.range.upperBound + 1 {
                problems.append("scheme '\(scheme.id)': grades leave a gap: \(lower.range.upperBound + 1)...\(upper.range.lowerBound - 1) has no grade")
            }
        }
        return problems
    }

    /// Problems with the event kind a rule or policy names.
    static func problems(ofKind kind: EventKind) -> [String] {
        kind.isKnown ? [] : ["unknown event kind '\(kind)'"]
    }

    /// Problems with a rule in the light of its scheme: the kind must be able to concern the
    /// scheme's subject types, and escalation and cap must be meaningful.
    static func problems(ofRule rule: Rule, scheme: Scheme) -> [String] {
        var problems: [String] = []
        if rule.kind.isKnown && !scheme.subjectTypes.contains(where: rule.kind.applies(to:)) {
            let types = scheme.subjectTypes.map(\.rawValue).sorted().joined(separator: ", ")
            problems.append("rule '\(rule.id)': kind '\(rule.kind)' cannot apply to the subjects of scheme '\(scheme.id)' (\(types))")
        }
        if let escalation = rule.escalation, escalation.steps.isEmpty {
            problems.append("rule '\(rule.id)': escalation needs at least one step")
        }
        if let cap = rule.cap, cap.points <= 0 {
            problems.append("rule '\(rule.id)': cap points must be greater than 0")
        }
        if rule.version < 1 {
            problems.append("rule '\(rule.id)': version must be 1 or more")
        }
        return problems
    }

    /// Problems with one measure of a policy applying to `subjectTypes`.
    static func problems(ofMeasure measure: Measure, for subjectTypes: Set<SubjectType>) -> [String] {
        guard let definition = measure.definition else { return ["unknown measure '\(measure)'"] }
        let excluded = subjectTypes.subtracting(definition.subjectTypes).map(\.rawValue).sorted()
        guard excluded.isEmpty else {
            return ["measure '\(measure)' cannot bind \(excluded.joined(separator: ", ")) subjects"]
        }
        return []
    }

    /// Problems with a policy's target: anyone but the subject is refused by design.
    static func problems(ofTarget target: String) -> [String] {
        guard target == onlyTarget else {
            return ["a measure may bind only the subject whose record caused it, not '\(target)' (individual responsibility: relatives, children and employees are never targeted)"]
        }
        return []
    }

    /// Problems with a policy as a whole: measures all of one sort, and due process for sanctions.
    static func problems(ofPolicy policy: Policy) -> [String] {
        let known = policy.measures.filter(\.isKnown)
        guard !known.isEmpty else { return [] }
        let rewards = known.filter(\.isReward).count
        if rewards != 0 && rewards != known.count {
            return ["policy '\(policy.id)' mixes sanctions and rewards; split it (sanctions need due process, rewards do not)"]
        }
        if rewards == 0 && policy.appealDays < 10 {
            return ["policy '\(policy.id)': sanctions need at least 10 appeal days after the notice, got \(policy.appealDays)"]
        }
        if rewards != 0 && policy.appealDays != 0 {
            return ["policy '\(policy.id)': rewards are granted at once; appeal_days must be 0"]
        }
        return []
    }
}
