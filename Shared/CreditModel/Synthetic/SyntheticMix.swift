/// The relative frequencies of event kinds in generated traffic, per kind of subject. The
/// numbers are assumptions shaped after the seed article (traffic and transit dominate, court
/// orders and military refusals are rare; companies are reported mostly for debts).
public struct SyntheticMix: Sendable, Hashable {
    /// Kinds and weights for ordinary persons.
    public var persons: [KindWeight]
    /// Kinds and weights for companies and organisations.
    public var legalEntities: [KindWeight]
    /// Kinds and weights for model citizens (good deeds, so that their scores rise).
    public var modelCitizens: [KindWeight]

    /// One kind and its relative weight.
    public struct KindWeight: Sendable, Hashable {
        /// The kind.
        public var kind: EventKind
        /// Its weight relative to the others of the same table.
        public var weight: Double
        /// Creates an entry.
        public init(_ kind: String, _ weight: Double) {
            self.kind = EventKind(rawValue: kind)
            self.weight = weight
        }
    }

    /// Creates a mix.
    public init(persons: [KindWeight], legalEntities: [KindWeight], modelCitizens: [KindWeight]) {
        self.persons = persons
        self.legalEntities = legalEntities
        self.modelCitizens = modelCitizens
    }

    /// The default mix.
    public static let standard = SyntheticMix(
        persons: [
            .init("traffic.violation", 18), .init("traffic.yielded_to_pedestrian", 8), .init("smoking.no_smoking_area", 6),
            .init("purchase.excessive_video_games", 4), .init("purchase.frivolous", 5), .init("gaming.excessive_hours", 5),
            .init("online.fake_news", 2), .init("transit.fare_evasion", 8), .init("transit.station_loitering", 3),
            .init("military.service_refused", 0.5), .init("loan.default", 5), .init("court.order_ignored", 2),
            .init("court.order_complied", 1), .init("dog.unleashed", 4), .init("dog.public_nuisance", 2),
            .init("dog.licence_not_renewed", 1), .init("dog.rules_test_passed", 0.5), .init("deed.volunteering", 5),
            .init("deed.blood_donation", 3),
        ],
        legalEntities: [
            .init("company.fraud", 2), .init("company.debt_evasion", 5), .init("company.insider_trading", 1),
            .init("company.fake_insurance", 2), .init("company.disinformation", 3), .init("company.illegal_fundraising", 1),
            .init("court.order_ignored", 3), .init("court.order_complied", 2),
        ],
        modelCitizens: [.init("deed.volunteering", 5), .init("deed.blood_donation", 3), .init("traffic.yielded_to_pedestrian", 2)]
    )
}
