import CreditModel
import Foundation

/// A reproducible random stream of accepted events for replay tests and the benchmark: valid
/// subjects, kinds that apply to them, attributes their kinds require, times moving forward
/// over about four years, and some retractions of earlier events.
public struct SyntheticEvents: Sendable {
    /// How many distinct subjects the stream draws from.
    public var subjects: Int
    /// The share of events that retract an earlier event of the same subject (0...1).
    public var retractionShare: Double
    /// The first event's time.
    public var start: Date

    /// Creates a generator.
    public init(subjects: Int = 500, retractionShare: Double = 0.03, start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        self.subjects = subjects
        self.retractionShare = retractionShare
        self.start = start
    }

    /// `count` events from `seed` (the same seed gives the same stream).
    public func events(count: Int, seed: UInt64) -> [AcceptedEvent] {
        var rng = SplitMix64(seed: seed)
        let pool: [SubjectCode] = (0..<subjects).map { index in
            index % 5 == 4 ? SubjectCode.random(.company, using: &rng) : SubjectCode.randomPerson(using: &rng)
        }
        let kinds = Dictionary(grouping: EventKind.catalog, by: { $0.subjectTypes.contains(.person) })
        var earlier: [SubjectCode: [AcceptedEvent]] = [:]
        var events: [AcceptedEvent] = []
        events.reserveCapacity(count)
        let step = 4 * 365 * 86_400 / Double(max(count, 1))
        for index in 0..<count {
            let subject = pool.randomElement(using: &rng)!
            let time = start.addingTimeInterval(Double(index) * step)
            let previous = earlier[subject, default: []].filter { $0.retracts == nil }
            let event: AcceptedEvent
            if let target = previous.randomElement(using: &rng), Double.random(in: 0..<1, using: &rng) < retractionShare {
                event = Self.accepted(AgencyEvent(eventID: "e\(index)", subject: subject, kind: target.kind, occurredAt: time,
                                                  retracts: target.eventID), agency: target.agency, at: time)
            } else {
                let definition = (kinds[subject.type == .person] ?? []).randomElement(using: &rng)!
                let attributes = definition.syntheticAttributes(using: &rng)
                let agency = ["court", "pboc", "collector", "jinan-dogs"].randomElement(using: &rng)!
                event = Self.accepted(AgencyEvent(eventID: "e\(index)", subject: subject, kind: definition.kind, occurredAt: time,
                                                  attributes: attributes), agency: agency, at: time)
            }
            earlier[subject, default: []].append(event)
            events.append(event)
        }
        return events
    }

    private static func accepted(_ event: AgencyEvent, agency: String, at time: Date) -> AcceptedEvent {
        AcceptedEvent(event: event, agency: agency, receivedAt: time, source: .http)
    }
}
