import CreditModel
import Foundation

/// What-if (issue 4): given a candidate rulebook, which subjects would change grade and which
/// measures would start or stop. Both rulebooks are run in memory over the same consumed
/// events (in consumption order, expiring at `now`), so the comparison is like for like and
/// nothing is written.
///
/// Measures follow the policies as the sanctions service applies them: a state policy holds
/// while its condition holds on the subject's final state; an event policy holds when the
/// subject's latest unretracted triggering event is later than its latest lifting event.
/// Due process (notice, appeal) is the sanctions service's and not simulated here.
public enum WhatIf {
    /// A subject whose grade on a scheme would change.
    public struct GradeChange: Sendable, Hashable, CustomStringConvertible {
        /// The subject.
        public var subject: SubjectCode
        /// The scheme.
        public var scheme: String
        /// Points and grade under the current rulebook.
        public var current: (points: Int, grade: String?)
        /// Points and grade under the candidate.
        public var candidate: (points: Int, grade: String?)

        /// `subject scheme: A (1000) -> B (900)`.
        public var description: String {
            "\(subject) \(scheme): \(current.grade ?? "-") (\(current.points)) -> \(candidate.grade ?? "-") (\(candidate.points))"
        }

        /// Compares all fields.
        public static func == (lhs: GradeChange, rhs: GradeChange) -> Bool {
            lhs.subject == rhs.subject && lhs.scheme == rhs.scheme && lhs.current == rhs.current && lhs.candidate == rhs.candidate
        }

        /// Hashes the identifying fields.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(subject)
            hasher.combine(scheme)
        }
    }

    /// A measure that would start or stop for a subject.
    public struct MeasureChange: Sendable, Hashable, CustomStringConvertible {
        /// The subject.
        public var subject: SubjectCode
        /// The measure.
        public var measure: Measure
        /// True: would start under the candidate; false: would stop.
        public var starts: Bool

        /// `subject starts|stops measure`.
        public var description: String { "\(subject) \(starts ? "starts" : "stops") \(measure)" }
    }

    /// The report.
    public struct Report: Sendable, CustomStringConvertible {
        /// Subjects whose grade would change, by subject and scheme.
        public var gradeChanges: [GradeChange]
        /// Measures that would start or stop, by subject and measure.
        public var measureChanges: [MeasureChange]

        /// One line per change.
        public var description: String {
            (["\(gradeChanges.count) grade changes, \(measureChanges.count) measure changes"]
                + gradeChanges.map { "  grade \($0)" } + measureChanges.map { "  measure \($0)" }).joined(separator: "\n")
        }
    }

    /// Compares `current` and `candidate` over `events` as of `now`.
    public static func compare(events: [AcceptedEvent], current: Rulebook, candidate: Rulebook, at now: Date) -> Report {
        let before = simulate(events, rulebook: current, at: now), after = simulate(events, rulebook: candidate, at: now)
        var grades: [GradeChange] = [], measures: [MeasureChange] = []
        for subject in Set(events.map(\.subject)).sorted() {
            let schemes = Set(current.schemes.map(\.id) + candidate.schemes.map(\.id)).sorted()
            for scheme in schemes {
                let old = state(of: subject, on: scheme, in: before, rulebook: current)
                let new = state(of: subject, on: scheme, in: after, rulebook: candidate)
                if old?.grade != new?.grade {
                    grades.append(GradeChange(subject: subject, scheme: scheme, current: old ?? (0, nil), candidate: new ?? (0, nil)))
                }
            }
            let oldMeasures = activeMeasures(subject, rulebook: current, states: before, events: events)
            let newMeasures = activeMeasures(subject, rulebook: candidate, states: after, events: events)
            measures += newMeasures.subtracting(oldMeasures).sorted().map { MeasureChange(subject: subject, measure: $0, starts: true) }
            measures += oldMeasures.subtracting(newMeasures).sorted().map { MeasureChange(subject: subject, measure: $0, starts: false) }
        }
        return Report(gradeChanges: grades, measureChanges: measures)
    }

    /// Every subject's final state under `rulebook`.
    static func simulate(_ events: [AcceptedEvent], rulebook: Rulebook, at now: Date) -> [SubjectCode: SubjectState] {
        let engine = RuleEngine(rulebook: rulebook)
        var states: [SubjectCode: SubjectState] = [:]
        for event in events {
            _ = engine.apply(event, to: &states[event.subject, default: SubjectState(subject: event.subject)])
        }
        for subject in Array(states.keys) { _ = engine.expire(at: now, in: &states[subject]!) }
        return states
    }

    /// Points and grade of `subject` on `scheme`, or nil when the scheme does not concern it.
    static func state(of subject: SubjectCode, on schemeID: String, in states: [SubjectCode: SubjectState], rulebook: Rulebook)
        -> (points: Int, grade: String?)?
    {
        guard let scheme = rulebook.scheme(schemeID), scheme.subjectTypes.contains(subject.type) else { return nil }
        let points = states[subject]?.points[schemeID]
        guard points != nil || scheme.appliesToAll else { return nil }
        let value = points ?? scheme.initialPoints
        return (value, scheme.grade(for: value))
    }

    /// The measures `rulebook`'s policies put on `subject`.
    static func activeMeasures(_ subject: SubjectCode, rulebook: Rulebook, states: [SubjectCode: SubjectState],
                               events: [AcceptedEvent]) -> Set<Measure> {
        let own = events.filter { $0.subject == subject }
        let retracted = Set(own.compactMap { event in event.retracts.map { "\(event.agency)/\($0)" } })
        let standing = own.filter { $0.retracts == nil && !retracted.contains("\($0.agency)/\($0.eventID)") }
        var measures = Set<Measure>()
        for policy in rulebook.policies where policy.subjectTypes.contains(subject.type) {
            switch policy.trigger {
            case .state(let scheme, let condition):
                guard let now = state(of: subject, on: scheme, in: states, rulebook: rulebook),
                      condition.holds(points: now.points, grade: now.grade) else { continue }
            case .event(let kind, let liftedBy):
                guard let imposed = standing.last(where: { $0.kind == kind })?.occurredAt else { continue }
                if let lifted = standing.last(where: { liftedBy.contains($0.kind) })?.occurredAt, lifted >= imposed { continue }
            }
            measures.formUnion(policy.measures)
        }
        return measures
    }
}
