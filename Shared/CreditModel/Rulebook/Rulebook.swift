import Foundation

/// The versioned rulebook (DESIGN §6): schemes, the rules that turn events into points, and the
/// policies that turn scheme states and events into measures. Plain, validated data: build one
/// with `Rulebook.load(file:)` / `Rulebook.parse(yaml:file:)`, which refuse invalid documents.
public struct Rulebook: Sendable, Hashable {
    /// The document's version (recorded with every ledger entry through the rules' versions).
    public var version: Int
    /// The schemes by declaration order.
    public var schemes: [Scheme]
    /// The rules by declaration order (the order in which they apply to one event).
    public var rules: [Rule]
    /// The policies (consumed by the sanctions service; validated here because they live here).
    public var policies: [Policy]

    /// Creates a rulebook from parts; prefer the loader, which validates.
    public init(version: Int, schemes: [Scheme], rules: [Rule], policies: [Policy]) {
        self.version = version
        self.schemes = schemes
        self.rules = rules
        self.policies = policies
    }

    /// The scheme named `id`.
    public func scheme(_ id: String) -> Scheme? { schemes.first { $0.id == id } }

    /// The rules matching `kind`, in declaration order.
    public func rules(for kind: EventKind) -> [Rule] { rules.filter { $0.kind == kind } }

    /// The longest look-back any escalation window or cap period needs (for loading history).
    public var longestLookback: RulebookPeriod {
        let days = rules.flatMap { rule in
            [rule.escalation?.window.approximateDays ?? 0, rule.cap?.period.approximateDays ?? 0]
        }.max() ?? 0
        return RulebookPeriod(days: days + 1)
    }
}

/// A points scheme: whom it scores, where subjects start, its bounds and grades.
public struct Scheme: Sendable, Hashable {
    /// The id, e.g. `citizen`, `dog-owner`, `corporate`.
    public var id: String
    /// The subject types it scores.
    public var subjectTypes: Set<SubjectType>
    /// Points of a subject without entries.
    public var initialPoints: Int
    /// Lowest points possible; changes beyond it are clamped and the clamping recorded.
    public var minimum: Int
    /// Highest points possible.
    public var maximum: Int
    /// Whether every subject of the types has this scheme (shown with initial points before
    /// any entry), or only subjects with at least one entry (a dog-owner licence).
    public var appliesToAll: Bool
    /// The grades, highest first; together they cover `minimum...maximum` without gap or overlap.
    public var grades: [Grade]

    /// Creates a scheme.
    public init(id: String, subjectTypes: Set<SubjectType>, initialPoints: Int, minimum: Int, maximum: Int,
                appliesToAll: Bool, grades: [Grade]) {
        self.id = id
        self.subjectTypes = subjectTypes
        self.initialPoints = initialPoints
        self.minimum = minimum
        self.maximum = maximum
        self.appliesToAll = appliesToAll
        self.grades = grades
    }

    /// The grade of `points` (nil only for a scheme without grades).
    public func grade(for points: Int) -> String? {
        grades.first { $0.range.contains(points) }?.name
    }

    /// `points` held within the scheme's bounds.
    public func clamp(_ points: Int) -> Int { min(maximum, max(minimum, points)) }
}

/// A named band of points, e.g. `AAA` for 1050 and more.
public struct Grade: Sendable, Hashable {
    /// The grade's name.
    public var name: String
    /// The points it covers (inclusive).
    public var range: ClosedRange<Int>

    /// Creates a grade.
    public init(name: String, range: ClosedRange<Int>) {
        self.name = name
        self.range = range
    }
}

/// A rule: which events it matches and how many points they cost or earn on one scheme.
public struct Rule: Sendable, Hashable {
    /// The stable id; together with `version` it names the rule in the ledger (`id@version`).
    public var id: String
    /// Bumped whenever the rule's effect changes, so old entries keep naming what applied.
    public var version: Int
    /// The scheme it moves.
    public var scheme: String
    /// The event kind it matches.
    public var kind: EventKind
    /// Attribute conditions; all must hold.
    public var conditions: [Condition]
    /// Points per match (negative: deduction) when there is no escalation.
    public var points: Int
    /// Escalating points by the count of prior matches, if any.
    public var escalation: Escalation?
    /// At most so many points per period from this rule, if any.
    public var cap: Cap?
    /// How long an entry counts (nil: for good).
    public var expiresAfter: RulebookPeriod?
    /// Plain-language reason shown to the subject.
    public var reason: String
    /// Whether the rule applies only to subjects that already have a balance on the scheme
    /// (e.g. volunteering earns dog-licence points back only for dog owners).
    public var onlyIfEnrolled: Bool

    /// Creates a rule.
    public init(id: String, version: Int, scheme: String, kind: EventKind, conditions: [Condition] = [], points: Int,
                escalation: Escalation? = nil, cap: Cap? = nil, expiresAfter: RulebookPeriod? = nil, reason: String,
                onlyIfEnrolled: Bool = false) {
        self.id = id
        self.version = version
        self.scheme = scheme
        self.kind = kind
        self.conditions = conditions
        self.points = points
        self.escalation = escalation
        self.cap = cap
        self.expiresAfter = expiresAfter
        self.reason = reason
        self.onlyIfEnrolled = onlyIfEnrolled
    }

    /// `id@version`, as shown to subjects.
    public var reference: String { "\(id)@\(version)" }
}

/// Escalation: the n-th match within `window` costs `steps[n-1]` (the last step repeats).
///
/// Prior matches are the subject's earlier ledger entries (cause `event`, not retracted; an
/// expired entry still counts while inside the window) on the
/// same scheme whose rule belongs to the same `group`, with an event time in the `window` that
/// ends at this event's time. "Earlier" is processing order (the order of `events.accepted`,
/// which is per-subject ordered), so replay reproduces it exactly. Rules sharing a group
/// escalate together: Jinan's unleashed dog and public nuisance are both "offences".
public struct Escalation: Sendable, Hashable {
    /// Rules with the same group count each other's matches.
    public var group: String
    /// How far back prior matches count.
    public var window: RulebookPeriod
    /// Points of the first, second, third ... match; the last repeats.
    public var steps: [Int]

    /// Creates an escalation.
    public init(group: String, window: RulebookPeriod, steps: [Int]) {
        self.group = group
        self.window = window
        self.steps = steps
    }

    /// The points of a match with `priorMatches` earlier matches in the window.
    public func points(priorMatches: Int) -> Int { steps[min(priorMatches, steps.count - 1)] }
}

/// A cap: at most `points` (in absolute value) from one rule per period.
///
/// The period is the rolling window of length `period` that ends at the event's time: the
/// applied magnitudes of the subject's unretracted entries of the same rule id (any version) on
/// the scheme with an event time inside it are summed, and the new entry gets at most what is
/// left. The amount cut off is recorded as clamping.
public struct Cap: Sendable, Hashable {
    /// Most points (absolute) per period.
    public var points: Int
    /// The rolling period.
    public var period: RulebookPeriod

    /// Creates a cap.
    public init(points: Int, period: RulebookPeriod) {
        self.points = points
        self.period = period
    }
}

/// A calendar length written `2y`, `6m`, `30d` or `1w` in the rulebook; added in UTC, so
/// `2y` from 29 February lands on 28 February, as the Gregorian calendar says.
public struct RulebookPeriod: Sendable, Hashable, CustomStringConvertible {
    /// Whole years.
    public var years: Int
    /// Whole months.
    public var months: Int
    /// Whole days.
    public var days: Int

    /// Creates a period.
    public init(years: Int = 0, months: Int = 0, days: Int = 0) {
        self.years = years
        self.months = months
        self.days = days
    }

    /// Parses `2y`, `6m`, `30d`, `1w`; nil for anything else.
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last, let count = Int(trimmed.dropLast()), count > 0 else { return nil }
        switch unit {
        case "y": self.init(years: count)
        case "m": self.init(months: count)
        case "w": self.init(days: 7 * count)
        case "d": self.init(days: count)
        default: return nil
        }
    }

    /// An upper bound of the length in days (for look-back queries).
    public var approximateDays: Int { years * 366 + months * 31 + days }

    /// `date` plus this period, in UTC.
    public func after(_ date: Date) -> Date { shift(date, by: 1) }

    /// `date` minus this period, in UTC.
    public func before(_ date: Date) -> Date { shift(date, by: -1) }

    /// Civil-date arithmetic (no `Calendar`: this runs several times per scored event): years
    /// and months move the calendar date, a day past the month's end is clamped to its last day
    /// (as the Gregorian calendar does), then days are added; the time of day is kept.
    private func shift(_ date: Date, by sign: Int) -> Date {
        let civil = CivilDate(date)
        let secondsIntoDay = date.timeIntervalSince1970 - civil.startDate.timeIntervalSince1970
        let monthIndex = civil.year * 12 + (civil.month - 1) + sign * (years * 12 + months)
        let year = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let month = monthIndex - year * 12 + 1
        let day = min(civil.day, CivilDate.daysIn(month: month, year: year))
        guard let moved = CivilDate(year: year, month: month, day: day) else { return date }
        return moved.adding(days: sign * days).startDate.addingTimeInterval(secondsIntoDay)
    }

    /// The rulebook notation.
    public var description: String {
        [(years, "y"), (months, "m"), (days, "d")].filter { $0.0 != 0 }.map { "\($0.0)\($0.1)" }.joined()
    }
}

/// A condition on one event attribute.
public struct Condition: Sendable, Hashable, CustomStringConvertible {
    /// A comparison.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// Equal (numbers or strings).
        case equal = "=="
        /// Not equal (numbers or strings; a missing attribute is not "not equal").
        case notEqual = "!="
        /// Less than (numbers or strings, strings by code points).
        case less = "<"
        /// Less than or equal.
        case lessOrEqual = "<="
        /// Greater than.
        case greater = ">"
        /// Greater than or equal.
        case greaterOrEqual = ">="
    }

    /// The value compared with.
    public enum Operand: Sendable, Hashable {
        /// A number (integers and decimals compare numerically).
        case number(Double)
        /// A string.
        case string(String)
    }

    /// The attribute's name.
    public var attribute: String
    /// The comparison.
    public var comparison: Comparison
    /// The value on the right-hand side.
    public var operand: Operand

    /// Creates a condition.
    public init(attribute: String, comparison: Comparison, operand: Operand) {
        self.attribute = attribute
        self.comparison = comparison
        self.operand = operand
    }

    /// Whether `attributes` satisfy the condition. A missing attribute, or one of the other
    /// type (a string compared with a number), never does.
    public func holds(for attributes: [String: JSONValue]) -> Bool {
        guard let value = attributes[attribute] else { return false }
        switch operand {
        case .number(let right):
            guard let left = value.doubleValue else { return false }
            return compare(left, right)
        case .string(let right):
            guard let left = value.stringValue else { return false }
            return compare(left, right)
        }
    }

    private func compare<T: Comparable>(_ left: T, _ right: T) -> Bool {
        switch comparison {
        case .equal: left == right
        case .notEqual: left != right
        case .less: left < right
        case .lessOrEqual: left <= right
        case .greater: left > right
        case .greaterOrEqual: left >= right
        }
    }

    /// E.g. `severity >= 2`.
    public var description: String {
        switch operand {
        case .number(let number):
            let text = number.rounded() == number ? String(Int64(number)) : String(number)
            return "\(attribute) \(comparison.rawValue) \(text)"
        case .string(let string): return "\(attribute) \(comparison.rawValue) \"\(string)\""
        }
    }
}
