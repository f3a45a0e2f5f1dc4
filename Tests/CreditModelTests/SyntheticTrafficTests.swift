import Foundation
import Testing
@testable import CreditModel

@Suite struct SyntheticTrafficTests {
    static let anchor = RFC3339.parse("2026-11-19T00:00:00Z")!

    func traffic(subjects: Int = 2_000, events: Int = 20_000, seed: UInt64 = 3,
                 registry: AgencyRegistry) throws -> [SyntheticEvent] {
        let population = SyntheticPopulation(count: subjects, seed: seed)
        var stream = try SyntheticTraffic(population: population, registry: registry, seed: seed,
                                          configuration: .init(events: events, idPrefix: "t-", anchor: Self.anchor))
        var events: [SyntheticEvent] = []
        while let next = stream.next() { events.append(next) }
        return events
    }

    @Test func populationCodesAreValidDistinctAndMixed() throws {
        let population = SyntheticPopulation(count: 5_000, seed: 11)
        #expect(Set(population.subjects).count == 5_000)
        for code in population.subjects { #expect(try SubjectCode(validating: code.rawValue) == code) }
        let persons = Double(population.persons.count) / 5_000
        #expect(abs(persons - 0.85) < 0.03)
        #expect(population.persons.count + population.legalEntities.count == 5_000)
        #expect(population.legalEntities.allSatisfy { population.subjects[Int($0)].type != .person })
    }

    @Test func everyEventPassesValidationWithItsAgency() throws {
        let registry = try Fixtures.loadRegistry()
        let events = try traffic(registry: registry)
        #expect(events.count == 20_000)
        #expect(Set(events.map(\.event.eventID)).count == events.count)
        var reported: [String: (agency: String, subject: SubjectCode)] = [:]
        let now = Self.anchor
        for item in events {
            #expect(registry.permits(agency: item.agency, kind: item.event.kind), "\(item.agency) may not report \(item.event.kind)")
            #expect(item.event.kind.applies(to: item.event.subject.type))
            #expect(item.event.occurredAt < now)
            // Round trip through the validator ingest uses (mandate, attributes, times).
            let parsed = try AgencyEvent.parse(try MessageCoding.encode(item.event), now: now, agency: item.agency, registry: registry)
            #expect(parsed.eventID == item.event.eventID)
            if let target = item.event.retracts {
                let earlier = try #require(reported[target], "retraction of an unknown event \(target)")
                #expect(earlier.agency == item.agency && earlier.subject == item.event.subject)
            }
            reported[item.event.eventID] = (item.agency, item.event.subject)
        }
    }

    @Test func sameSeedSameStreamOtherSeedOtherStream() throws {
        let registry = try Fixtures.loadRegistry()
        let first = try traffic(events: 2_000, registry: registry)
        let second = try traffic(events: 2_000, registry: registry)
        let other = try traffic(events: 2_000, seed: 4, registry: registry)
        #expect(first == second)
        #expect(first != other)
    }

    @Test func mixFollowsTheWeights() throws {
        let registry = try Fixtures.loadRegistry()
        let events = try traffic(subjects: 20_000, events: 40_000, registry: registry).filter { $0.event.retracts == nil }
        let model = events.filter(\.modelCitizen)
        #expect(abs(Double(model.count) / Double(events.count) - 0.12) < 0.02)
        #expect(model.allSatisfy { ["deed.volunteering", "deed.blood_donation", "traffic.yielded_to_pedestrian"].contains($0.event.kind.rawValue) })
        let ordinaryPersons = events.filter { !$0.modelCitizen && $0.event.subject.type == .person }
        let weights = SyntheticMix.standard.persons
        let total = weights.map(\.weight).reduce(0, +)
        for entry in weights {
            let observed = Double(ordinaryPersons.filter { $0.event.kind == entry.kind }.count) / Double(ordinaryPersons.count)
            #expect(abs(observed - entry.weight / total) < 0.015, "\(entry.kind): \(observed) vs \(entry.weight / total)")
        }
        let legal = Double(events.filter { $0.event.subject.type != .person }.count) / Double(events.count - model.count)
        #expect(abs(legal - 0.15) < 0.03, "legal share \(legal)")
        let retractions = try traffic(subjects: 20_000, events: 40_000, registry: registry).filter { $0.event.retracts != nil }
        #expect(retractions.count > 100 && retractions.count < 600)
    }

    @Test func modelCitizensReachTheAAThresholdInPoints() throws {
        let registry = try Fixtures.loadRegistry()
        let events = try traffic(subjects: 5_000, events: 12_000, registry: registry)
        // About a dozen good deeds each: enough for +30 within the caps of the default rulebook.
        let perCitizen = Dictionary(grouping: events.filter(\.modelCitizen), by: \.subjectIndex).mapValues(\.count)
        #expect(perCitizen.count == SyntheticTraffic.modelCitizens(forEvents: 12_000))
        let average = Double(perCitizen.values.reduce(0, +)) / Double(perCitizen.count)
        #expect(average > 9 && average < 15)
    }

    @Test func aRegistryWithoutLegalKindsIsRefused() throws {
        let registry = try AgencyRegistry(yaml: "agencies:\n  - id: police\n    kinds: [traffic.violation]\n")
        let population = SyntheticPopulation(count: 10, seed: 1)
        #expect(throws: SyntheticTrafficError.noPermittedKinds(.company)) {
            try SyntheticTraffic(population: population, registry: registry, seed: 1,
                                 configuration: .init(events: 1, idPrefix: "x", anchor: Self.anchor))
        }
    }
}
