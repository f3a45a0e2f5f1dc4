import CreditModel
import Foundation

/// One row of the append-only ledger: a point change on one scheme for one subject, caused by
/// an event under one rule@version, or compensating such a change (retraction, expiry).
public struct LedgerEntry: Sendable, Hashable {
    /// The entry's id, equal to the id of the `score-change/1` message that announces it.
    public var id: String
    /// Whose points moved.
    public var subject: SubjectCode
    /// The scheme.
    public var scheme: String
    /// The agency of the causing event (for compensations: of the original event).
    public var agency: String
    /// The agency's id of the causing event (for compensations: of the original event).
    public var eventID: String
    /// The kind of the causing event.
    public var kind: EventKind
    /// The rule's id.
    public var ruleID: String
    /// The rule's version.
    public var ruleVersion: Int
    /// Event, retraction or expiry.
    public var cause: ScoreChange.Cause
    /// The escalation group of the rule, if it escalates (prior matches are counted by it).
    public var escalationGroup: String?
    /// The points the rule (or the compensation) asked for before caps and bounds.
    public var requested: Int
    /// The points that applied.
    public var delta: Int
    /// The scheme's points after this entry, in ledger order.
    public var pointsAfter: Int
    /// The grade after this entry.
    public var gradeAfter: String?
    /// Why, in plain language.
    public var reason: String
    /// When the causing event occurred.
    public var occurredAt: Date
    /// The instant from which the entry counts for `as_of`: the event time for events, the
    /// expiry instant for expiries, the retraction's event time for retractions.
    public var effectiveAt: Date
    /// When the entry's points expire (nil: never; always nil for compensations).
    public var expiresAt: Date?
    /// The entry this one compensates, if any.
    public var reverses: String?
    /// Whether a compensating entry already reverses this one (loaded state, not stored).
    public var isReversed: Bool = false
    /// Whether that compensation is a retraction (loaded state). Retracted entries no longer
    /// count for escalation and caps; expired ones still do while inside the rule's window, so
    /// scoring never depends on when the expiry job happened to run.
    public var isRetracted: Bool = false

    /// Points cut off by a cap or a bound (`requested - delta`).
    public var clampedAmount: Int { requested - delta }

    /// `ruleID@ruleVersion`.
    public var rule: String { "\(ruleID)@\(ruleVersion)" }

    /// Creates an entry; the id is derived from the event, scheme, rule and cause.
    public init(subject: SubjectCode, scheme: String, agency: String, eventID: String, kind: EventKind, ruleID: String,
                ruleVersion: Int, cause: ScoreChange.Cause, escalationGroup: String?, requested: Int, delta: Int,
                pointsAfter: Int, gradeAfter: String?, reason: String, occurredAt: Date, effectiveAt: Date,
                expiresAt: Date?, reverses: String?) {
        self.init(id: MessageID.scoreChange(agency: agency, eventID: eventID, scheme: scheme, rule: "\(ruleID)@\(ruleVersion)",
                                            cause: cause),
                  subject: subject, scheme: scheme, agency: agency, eventID: eventID, kind: kind, ruleID: ruleID,
                  ruleVersion: ruleVersion, cause: cause, escalationGroup: escalationGroup, requested: requested, delta: delta,
                  pointsAfter: pointsAfter, gradeAfter: gradeAfter, reason: reason, occurredAt: occurredAt,
                  effectiveAt: effectiveAt, expiresAt: expiresAt, reverses: reverses)
    }

    /// Creates an entry with a known id (read back from the ledger: the id is not derived again).
    init(id: String, subject: SubjectCode, scheme: String, agency: String, eventID: String, kind: EventKind, ruleID: String,
         ruleVersion: Int, cause: ScoreChange.Cause, escalationGroup: String?, requested: Int, delta: Int,
         pointsAfter: Int, gradeAfter: String?, reason: String, occurredAt: Date, effectiveAt: Date,
         expiresAt: Date?, reverses: String?) {
        self.id = id
        self.subject = subject
        self.scheme = scheme
        self.agency = agency
        self.eventID = eventID
        self.kind = kind
        self.ruleID = ruleID
        self.ruleVersion = ruleVersion
        self.cause = cause
        self.escalationGroup = escalationGroup
        self.requested = requested
        self.delta = delta
        self.pointsAfter = pointsAfter
        self.gradeAfter = gradeAfter
        self.reason = reason
        self.occurredAt = occurredAt
        self.effectiveAt = effectiveAt
        self.expiresAt = expiresAt
        self.reverses = reverses
    }

    /// The `score-change/1` message announcing this entry.
    public var scoreChange: ScoreChange {
        ScoreChange(id: id, agency: agency, eventID: eventID, subject: subject, kind: kind, scheme: scheme, ruleID: ruleID,
                    ruleVersion: ruleVersion, delta: delta, pointsAfter: pointsAfter, gradeAfter: gradeAfter, reason: reason,
                    occurredAt: occurredAt, expiresAt: expiresAt, clampedAmount: clampedAmount, cause: cause,
                    reverses: reverses)
    }
}

/// What the engine knows about one subject while scoring: its current points per scheme and
/// the entries that escalation, caps, retraction and expiry look at.
public struct SubjectState: Sendable, Hashable {
    /// The subject.
    public var subject: SubjectCode
    /// Current points by scheme (a scheme without a balance is at its initial points).
    public var points: [String: Int]
    /// Earlier `event` entries (reversed ones flagged), in ledger order.
    public var history: [LedgerEntry]
    /// The `xmin` of each scheme's balance row as read (see ``HistoryCache``).
    public var versions: [String: UInt32] = [:]

    /// Creates a state.
    public init(subject: SubjectCode, points: [String: Int] = [:], history: [LedgerEntry] = []) {
        self.subject = subject
        self.points = points
        self.history = history
    }
}
