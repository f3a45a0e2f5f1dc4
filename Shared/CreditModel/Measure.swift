/// A measure (DESIGN §5): a sanction such as `travel.flight_ban` or a reward such as
/// `hotel.no_deposit`. String-backed like `EventKind`, so unknown names in a rulebook or message
/// are representable and reportable; `catalog` lists the known ones.
public struct Measure: CatalogName {
    /// The dotted name, e.g. `list.public_blacklist`.
    public let rawValue: String

    /// Wraps any string; use `definition` or `isKnown` to check it against the catalog.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The catalog entry, or nil if the measure is unknown.
    public var definition: MeasureDefinition? { Measure.definitions[self] }
    /// Whether the measure is in the catalog.
    public var isKnown: Bool { definition != nil }
    /// Whether the measure is a reward (granted at once) rather than a sanction (needs due process).
    public var isReward: Bool { definition?.isReward ?? false }

    /// Every known measure (DESIGN §5) with the subject types it can bind.
    public static let catalog: [MeasureDefinition] = {
        let persons: Set<SubjectType> = [.person]
        let legal: Set<SubjectType> = [.company, .organisation]
        let anyone = Set(SubjectType.allCases)
        func sanction(_ name: String, _ types: Set<SubjectType>, _ summary: String) -> MeasureDefinition {
            MeasureDefinition(measure: Measure(rawValue: name), isReward: false, subjectTypes: types, summary: summary)
        }
        func reward(_ name: String, _ types: Set<SubjectType>, _ summary: String) -> MeasureDefinition {
            MeasureDefinition(measure: Measure(rawValue: name), isReward: true, subjectTypes: types, summary: summary)
        }
        return [
            sanction("travel.flight_ban", persons, "may not buy airline tickets"),
            sanction("travel.high_speed_rail_ban", persons, "may not buy high-speed rail tickets"),
            sanction("travel.premium_class_ban", persons, "may not travel business or first class"),
            sanction("hotel.luxury_ban", persons, "may not stay in luxury hotels"),
            sanction("internet.throttle", persons, "may only use throttled internet"),
            sanction("education.enrollment_block", persons, "may not enrol in higher education"),
            sanction("credit.new_card_denied", anyone, "may not open a new credit card"),
            sanction("dog.confiscation", persons, "may not keep the dog until the rules test is passed"),
            sanction("list.public_blacklist", anyone, "will be listed on the public blacklist"),
            sanction("procurement.bid_block", legal, "may not bid for public procurement"),
            reward("hotel.no_deposit", persons, "may book hotels without a deposit"),
            reward("loan.rate_discount", anyone, "will get a discount on loan interest rates"),
            reward("energy.bill_discount", anyone, "will get a discount on energy bills"),
            reward("dating.profile_boost", persons, "will have the dating profile recommended"),
            reward("travel.visa_fast_track", persons, "will have visa applications fast-tracked"),
            reward("list.public_redlist", anyone, "will be listed on the public redlist"),
        ]
    }()

    /// The catalog by measure.
    public static let definitions: [Measure: MeasureDefinition] =
        Dictionary(uniqueKeysWithValues: catalog.map { ($0.measure, $0) })
}

/// A catalog entry for a measure.
public struct MeasureDefinition: Hashable, Sendable {
    /// The measure.
    public let measure: Measure
    /// True for rewards, false for sanctions.
    public let isReward: Bool
    /// The subject types the measure can bind (a rulebook imposing it on others is invalid).
    public let subjectTypes: Set<SubjectType>
    /// What the measure means for the subject, in plain language: a phrase with a modal verb that
    /// reads after both "you" (notices) and "the subject" (letters).
    public let summary: String
}
