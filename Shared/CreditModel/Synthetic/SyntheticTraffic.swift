import Foundation

/// A reproducible stream of valid agency events over a `SyntheticPopulation`, for
/// `creditctl simulate` and the pipeline benchmark.
///
/// Every event passes ingest's checks: its kind applies to its subject's type, its agency may
/// report it (`AgencyRegistry`), its attributes satisfy the kind, its id is unique in the
/// stream, `occurred_at` lies in the past (spread over `span` before `anchor`, rising with the
/// index, so each subject's events stay in time order), and a retraction names an earlier
/// event of the same agency and subject. The same population, registry, seed and
/// configuration give the same stream.
public struct SyntheticTraffic: Sendable {
    /// How the stream is shaped.
    public struct Configuration: Sendable {
        /// Events in the stream.
        public var events: Int
        /// Prefix of every `event_id` (the index follows), e.g. `sim-7-`.
        public var idPrefix: String
        /// The end of the time span; every `occurred_at` is before it.
        public var anchor: Date
        /// How far back the first event lies (300 days: within a year, so no points expire).
        public var span: TimeInterval = 300 * 86_400
        /// The share of events that are good deeds of model citizens: persons whose reports
        /// are good deeds, so that their scores cross the reward thresholds.
        public var modelCitizenShare = 0.12
        /// The model citizens: positions in `population.persons` (at most half of them). By
        /// default the first `modelCitizens(forEvents:)`; give each stream over the same
        /// population its own range so that each has its own threshold crossings.
        public var modelCitizens: Range<Int>?
        /// The share of events that retract the subject's previous event (when it has one).
        public var retractionShare = 0.01
        /// The share of ordinary events that go to the "hot" subjects (repeat offenders).
        public var hotShare = 0.2
        /// The share of ordinary subjects that are hot.
        public var hotSubjects = 0.01
        /// The kinds' frequencies.
        public var mix = SyntheticMix.standard

        /// A configuration of `events` events with ids `idPrefix<index>` before `anchor`.
        public init(events: Int, idPrefix: String, anchor: Date) {
            self.events = events
            self.idPrefix = idPrefix
            self.anchor = anchor
        }
    }

    /// The population.
    public let population: SyntheticPopulation
    /// The shape of the stream.
    public let configuration: Configuration
    /// Events handed out so far.
    public private(set) var produced = 0

    private var rng: SplitMix64
    private let modelCitizenIndices: ArraySlice<Int32>
    private let ordinary: [Int32]
    private let persons: WeightedKinds
    private let legalEntities: WeightedKinds
    private let modelCitizens: WeightedKinds
    private var retractable: [Int32: (agency: String, eventID: String, kind: EventKind, attributes: [String: JSONValue])] = [:]

    /// A stream over `population` whose agencies and kinds follow `registry`.
    public init(population: SyntheticPopulation, registry: AgencyRegistry, seed: UInt64,
                configuration: Configuration) throws(SyntheticTrafficError) {
        self.population = population
        self.configuration = configuration
        rng = SplitMix64(seed: seed)
        let wanted = configuration.modelCitizens
            ?? 0..<(configuration.modelCitizenShare > 0 ? Self.modelCitizens(forEvents: configuration.events,
                                                                               share: configuration.modelCitizenShare) : 0)
        let limit = population.persons.count / 2
        modelCitizenIndices = population.persons[min(wanted.lowerBound, limit)..<min(wanted.upperBound, limit)]
        let model = Set(modelCitizenIndices)
        ordinary = (0..<Int32(population.count)).filter { !model.contains($0) }
        persons = try WeightedKinds(configuration.mix.persons, for: .person, registry: registry)
        legalEntities = try WeightedKinds(configuration.mix.legalEntities, for: .company, registry: registry)
        modelCitizens = try WeightedKinds(configuration.mix.modelCitizens, for: .person, registry: registry)
    }

    /// The subjects the stream treats as model citizens (indices into `population.subjects`).
    public var modelCitizenSubjects: ArraySlice<Int32> { modelCitizenIndices }

    /// Model citizens for a stream of `events` events so that each gets about a dozen good
    /// deeds (enough to cross the `AA` threshold of the default rulebook).
    public static func modelCitizens(forEvents events: Int, share: Double = 0.12) -> Int {
        max(1, Int(Double(events) * share / 12))
    }

    /// The default anchor for a run at `now`: the start of the previous UTC day, so that reruns
    /// on the same day produce identical events (and ingest sees duplicates, not conflicts).
    public static func anchor(for now: Date) -> Date {
        let day = (now.timeIntervalSince1970 / 86_400).rounded(.down)
        return Date(timeIntervalSince1970: (day - 1) * 86_400)
    }

    /// The next event, or nil after `configuration.events`.
    public mutating func next() -> SyntheticEvent? {
        guard produced < configuration.events else { return nil }
        let index = produced
        produced += 1
        let eventID = configuration.idPrefix + String(index)
        let occurredAt = configuration.anchor.addingTimeInterval(
            -configuration.span + configuration.span * Double(index) / Double(max(1, configuration.events)))

        let modelCitizen = !modelCitizenIndices.isEmpty
            && Double.random(in: 0..<1, using: &rng) < configuration.modelCitizenShare
        let subjectIndex: Int32
        if modelCitizen || ordinary.isEmpty {
            subjectIndex = modelCitizenIndices.randomElement(using: &rng) ?? 0
        } else if Double.random(in: 0..<1, using: &rng) < configuration.hotShare {
            // Every `stride`-th ordinary subject is hot (spread over the population, whatever its order).
            let hot = max(1, Int(Double(ordinary.count) * configuration.hotSubjects))
            subjectIndex = ordinary[Int.random(in: 0..<hot, using: &rng) * (ordinary.count / hot)]
        } else {
            subjectIndex = ordinary.randomElement(using: &rng)!
        }
        let subject = population.subjects[Int(subjectIndex)]

        if Double.random(in: 0..<1, using: &rng) < configuration.retractionShare,
           let target = retractable.removeValue(forKey: subjectIndex) {
            // A retraction repeats its target's kind and attributes (ingest validates them as any event's).
            let event = AgencyEvent(eventID: eventID, subject: subject, kind: target.kind, occurredAt: occurredAt,
                                    attributes: target.attributes, retracts: target.eventID)
            return SyntheticEvent(agency: target.agency, event: event, subjectIndex: subjectIndex, modelCitizen: modelCitizen)
        }
        let table = modelCitizen ? modelCitizens : subject.type == .person ? persons : legalEntities
        let (definition, agencies) = table.draw(using: &rng)
        let agency = agencies.randomElement(using: &rng)!
        let attributes = definition.syntheticAttributes(using: &rng)
        let event = AgencyEvent(eventID: eventID, subject: subject, kind: definition.kind, occurredAt: occurredAt,
                                attributes: attributes)
        retractable[subjectIndex] = (agency, eventID, definition.kind, attributes)
        return SyntheticEvent(agency: agency, event: event, subjectIndex: subjectIndex, modelCitizen: modelCitizen)
    }
}

/// One generated event and the agency that publishes it.
public struct SyntheticEvent: Sendable, Hashable {
    /// The reporting agency (it names the topic).
    public var agency: String
    /// The event.
    public var event: AgencyEvent
    /// The subject's index in the population.
    public var subjectIndex: Int32
    /// Whether the event is a model citizen's good deed.
    public var modelCitizen: Bool

    /// `agency.<agency>.events`.
    public var topic: String { Topics.agencyEvents(agency) }
}

/// Why a synthetic stream cannot be generated.
public enum SyntheticTrafficError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No kind of the mix both applies to the subject type and is reported by some agency.
    case noPermittedKinds(SubjectType)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .noPermittedKinds(let type):
            "no kind of the mix for \(type.rawValue)s is both known and permitted to some agency of the registry"
        }
    }
}

/// A weighted table of kinds with the agencies that may report each (kinds no agency may
/// report, or that do not apply to the subject type, are left out).
private struct WeightedKinds: Sendable {
    let entries: [(definition: EventKindDefinition, agencies: [String])]
    let cumulative: [Double]

    init(_ weights: [SyntheticMix.KindWeight], for type: SubjectType, registry: AgencyRegistry) throws(SyntheticTrafficError) {
        var entries: [(definition: EventKindDefinition, agencies: [String])] = []
        var cumulative: [Double] = []
        var total = 0.0
        for entry in weights where entry.weight > 0 {
            guard let definition = entry.kind.definition, definition.subjectTypes.contains(type) else { continue }
            let agencies = registry.agencies.filter { $0.kinds.contains(entry.kind) }.map(\.id).sorted()
            guard !agencies.isEmpty else { continue }
            total += entry.weight
            entries.append((definition, agencies))
            cumulative.append(total)
        }
        guard !entries.isEmpty else { throw .noPermittedKinds(type) }
        self.entries = entries
        self.cumulative = cumulative
    }

    func draw(using rng: inout SplitMix64) -> (EventKindDefinition, [String]) {
        let point = Double.random(in: 0..<cumulative.last!, using: &rng)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > point { high = middle } else { low = middle + 1 }
        }
        return entries[low]
    }
}
