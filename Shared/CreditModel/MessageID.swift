/// Deterministic message ids (DESIGN §3: a redelivered input yields the same id).
///
/// An id is a UUID-formatted string (RFC 9562 version 8, so it fits a PostgreSQL `uuid` column)
/// made from the first 16 bytes of SHA-256 over a namespace and the input's identifying parts,
/// each length-prefixed so that `("a:b", "c")` and `("a", "b:c")` differ. Services derive every
/// id they emit from the input that caused it, never from time or randomness.
public enum MessageID {
    /// The id for `namespace` (e.g. `accepted-event`) and identifying `parts`.
    public static func derive(_ namespace: String, _ parts: [String]) -> String {
        var input = [UInt8]()
        input.reserveCapacity(parts.reduce(namespace.utf8.count + 4) { $0 + $1.utf8.count + 4 })
        func append(_ part: String) {
            let count = UInt32(part.utf8.count)
            for shift in stride(from: 24, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
            input.append(contentsOf: part.utf8)
        }
        append(namespace)
        for part in parts { append(part) }
        var digest = Array(SHA256.hash(input).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x80  // version 8
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = Hex.string(digest).utf8
        // 8-4-4-4-12 groups.
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var i = 0
            for (index, byte) in hex.enumerated() {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    buffer[i] = UInt8(ascii: "-")
                    i += 1
                }
                buffer[i] = byte
                i += 1
            }
            return i
        }
    }

    /// The id of the accepted event for `agency`'s `eventID` (unique per agency).
    public static func accepted(agency: String, eventID: String) -> String {
        derive("accepted-event", [agency, eventID])
    }

    /// The id of a dead letter: from Kafka, by source position; from HTTP, by agency and the raw bytes.
    public static func rejected(source: EventSource, agency: String?, raw: some Collection<UInt8>) -> String {
        switch source.transport {
        case .kafka:
            return derive("rejected-event", ["kafka", source.topic ?? "", String(source.partition ?? -1),
                                             String(source.offset ?? -1)])
        case .http:
            return derive("rejected-event", ["http", agency ?? "", SHA256.hex(raw)])
        }
    }

    /// The id of the score change that `cause` made on `scheme` under `rule` (`id@version`)
    /// for the event `agency`/`eventID`.
    public static func scoreChange(agency: String, eventID: String, scheme: String, rule: String,
                                   cause: ScoreChange.Cause) -> String {
        derive("score-change", [agency, eventID, scheme, rule, cause.rawValue])
    }

    /// The id of the decision taking `action` on `measure` of `caseID`: a case carries several
    /// measures, and each needs its own decision (enforcers act per measure).
    public static func decision(caseID: String, measure: Measure, action: Decision.Action) -> String {
        derive("decision", [caseID, measure.rawValue, action.rawValue])
    }

    /// The id of the sanctions case that `cause` opens for `subject` under policy `policyID`
    /// (the same cause always names the same case). `cause` is `sanctionsCaseCause(scoreChange:)`
    /// for a state policy, `sanctionsCaseCause(agency:eventID:)` for an event policy.
    public static func sanctionsCase(subject: SubjectCode, policyID: String, cause: String) -> String {
        derive("sanctions-case", [subject.rawValue, policyID, cause])
    }

    /// The cause of a case that the score change `changeID` opened (a threshold entered).
    public static func sanctionsCaseCause(scoreChange changeID: String) -> String { "change:\(changeID)" }

    /// The cause of a case that the event `eventID` of `agency` opened (an event policy), and
    /// which that event's retraction closes.
    public static func sanctionsCaseCause(agency: String, eventID: String) -> String { "event:\(agency)/\(eventID)" }

    /// The id of the notice of `kind` for `caseID`.
    public static func noticeRequest(caseID: String, kind: NoticeRequest.Kind) -> String {
        derive("notice-request", [caseID, kind.rawValue])
    }

    /// The id of the receipt for notice `requestID` with final `status`.
    public static func noticeReceipt(requestID: String, status: NoticeReceipt.Status) -> String {
        derive("notice-receipt", [requestID, status.rawValue])
    }
}
