/// A behaviour-event kind (DESIGN §5), e.g. `traffic.violation`.
///
/// String-backed rather than an enum so that an unknown kind read from input is still
/// representable (and can be reported as `unknown_kind`); `catalog` lists the known ones.
public struct EventKind: CatalogName {
    /// The dotted name, e.g. `dog.unleashed`.
    public let rawValue: String

    /// Wraps any string; use `definition` or `isKnown` to check it against the catalog.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The catalog entry of this kind, or nil if it is not in the catalog.
    public var definition: EventKindDefinition? { EventKind.definitions[self] }
    /// Whether this kind is in the catalog.
    public var isKnown: Bool { definition != nil }
    /// Whether an event of this kind may concern a subject of `type` (false for unknown kinds).
    public func applies(to type: SubjectType) -> Bool { definition?.subjectTypes.contains(type) ?? false }

    /// Every known kind with its subject types and attribute requirements (DESIGN §5).
    public static let catalog: [EventKindDefinition] = {
        let persons: Set<SubjectType> = [.person]
        let legal: Set<SubjectType> = [.company, .organisation]
        func person(_ kind: String, _ summary: String, _ requirements: [AttributeRequirement] = []) -> EventKindDefinition {
            EventKindDefinition(kind: EventKind(rawValue: kind), subjectTypes: persons,
                                requirements: requirements, summary: summary)
        }
        func legalEntity(_ kind: String, _ summary: String) -> EventKindDefinition {
            EventKindDefinition(kind: EventKind(rawValue: kind), subjectTypes: legal, requirements: [], summary: summary)
        }
        func anyone(_ kind: String, _ summary: String) -> EventKindDefinition {
            EventKindDefinition(kind: EventKind(rawValue: kind), subjectTypes: Set(SubjectType.allCases),
                                requirements: [], summary: summary)
        }
        return [
            person("traffic.violation", "committed a traffic violation",
                   [.integer(name: "severity", range: 1...3)]),
            person("traffic.yielded_to_pedestrian", "stopped for a pedestrian at a crossing"),
            person("smoking.no_smoking_area", "smoked in a no-smoking area"),
            person("purchase.excessive_video_games", "bought an excessive number of video games"),
            person("purchase.frivolous", "made frivolous purchases"),
            person("gaming.excessive_hours", "played video games for too many hours",
                   [.positiveNumber(name: "hours")]),
            person("online.fake_news", "posted fake news online"),
            person("transit.fare_evasion", "travelled without a ticket"),
            person("transit.station_loitering", "loitered in front of a station"),
            person("military.service_refused", "refused compulsory military service"),
            person("loan.default", "defaulted on a loan"),
            anyone("court.order_ignored", "did not comply with a court order"),
            anyone("court.order_complied", "complied with a court order"),
            person("dog.unleashed", "walked a dog without a leash"),
            person("dog.public_nuisance", "let a dog cause a public nuisance"),
            person("dog.licence_not_renewed", "did not renew a dog licence"),
            person("dog.rules_test_passed", "passed the test on the rules for keeping pets"),
            person("deed.volunteering", "volunteered"),
            person("deed.blood_donation", "donated blood"),
            legalEntity("company.fraud", "committed fraud"),
            legalEntity("company.debt_evasion", "evaded its debts"),
            legalEntity("company.insider_trading", "traded on inside information"),
            legalEntity("company.fake_insurance", "used fake insurance"),
            legalEntity("company.disinformation", "spread disinformation"),
            legalEntity("company.illegal_fundraising", "raised funds illegally"),
        ]
    }()

    /// The catalog by kind.
    public static let definitions: [EventKind: EventKindDefinition] =
        Dictionary(uniqueKeysWithValues: catalog.map { ($0.kind, $0) })
}

/// A catalog entry: which subjects a kind applies to, what its attributes must hold, and a
/// plain-language summary for the subject-facing record ("you \(summary)").
public struct EventKindDefinition: Hashable, Sendable {
    /// The kind.
    public let kind: EventKind
    /// The subject types an event of this kind may concern.
    public let subjectTypes: Set<SubjectType>
    /// Attributes the kind requires; other attributes are free.
    public let requirements: [AttributeRequirement]
    /// What the subject did, in plain language.
    public let summary: String
}

/// A constraint on one attribute of an event kind.
public enum AttributeRequirement: Hashable, Sendable, CustomStringConvertible {
    /// The attribute must be an integer within `range` (e.g. `severity` 1–3).
    case integer(name: String, range: ClosedRange<Int64>)
    /// The attribute must be a number greater than zero (e.g. `hours`).
    case positiveNumber(name: String)

    /// The attribute's name.
    public var name: String {
        switch self {
        case .integer(let name, _), .positiveNumber(let name): return name
        }
    }

    /// What the requirement asks, for rejection messages.
    public var description: String {
        switch self {
        case .integer(let name, let range):
            return "attribute '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)"
        case .positiveNumber(let name):
            return "attribute '\(name)' must be a number greater than 0"
        }
    }

    /// Whether `value` satisfies the requirement (a missing attribute does not).
    public func isSatisfied(by value: JSONValue?) -> Bool {
        switch self {
        case .integer(_, let range):
            guard case .int(let number)? = value else { return false }
            return range.contains(number)
        case .positiveNumber:
            guard let number = value?.doubleValue else { return false }
            return number > 0 && number.isFinite
        }
    }
}
