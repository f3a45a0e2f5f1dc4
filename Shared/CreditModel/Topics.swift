/// The Kafka topics of DESIGN §3. Every topic is keyed by the subject code.
public enum Topics {
    /// Validated, de-duplicated events, produced by ingest (`accepted-event/1`).
    public static let eventsAccepted = "events.accepted"
    /// Dead letters with their reason, produced by ingest (`rejected-event/1`).
    public static let eventsRejected = "events.rejected"
    /// One message per (event, scheme) that moved points, produced by scoring (`score-change/1`).
    public static let scoresChanged = "scores.changed"
    /// Measures imposed, lifted, granted or revoked, produced by sanctions (`decision/1`).
    public static let sanctionsDecisions = "sanctions.decisions"
    /// Notices to deliver, produced by sanctions (`notice-request/1`).
    public static let notificationsRequested = "notifications.requested"
    /// Delivery receipts, produced by notification (`notice-receipt/1`).
    public static let notificationsDelivered = "notifications.delivered"

    /// The topic on which one agency publishes its raw reports: `agency.<agency-id>.events`.
    public static func agencyEvents(_ agencyID: String) -> String { "agency.\(agencyID).events" }

    /// The agency whose report topic `topic` is (the inverse of ``agencyEvents(_:)``), or nil
    /// when `topic` is not `agency.<agency-id>.events`.
    public static func agencyID(ofEventsTopic topic: String) -> String? {
        let bytes = topic.utf8, prefix = "agency.".utf8, suffix = ".events".utf8
        guard bytes.count > prefix.count + suffix.count, bytes.starts(with: prefix),
              bytes.suffix(suffix.count).elementsEqual(suffix) else { return nil }
        return String(decoding: bytes.dropFirst(prefix.count).dropLast(suffix.count), as: UTF8.self)
    }

    /// The regular expression (librdkafka pattern subscription) matching every agency topic.
    public static let agencyEventsPattern = "^agency\\.[a-z0-9-]+\\.events$"

    /// The agencies of the default registry (DESIGN §5, `deploy/agencies.yaml`).
    public static let defaultAgencyIDs = [
        "court", "pboc", "ndrc", "market-regulator", "traffic-police", "railway",
        "cyberspace", "jinan-dogs", "military", "sesame", "collector",
    ]

    /// The topics the pipeline itself produces, in pipeline order.
    public static let pipeline = [
        eventsAccepted, eventsRejected, scoresChanged, sanctionsDecisions,
        notificationsRequested, notificationsDelivered,
    ]

    /// Every topic a fresh deployment needs: the default agencies' topics, then the pipeline's.
    public static var all: [String] { defaultAgencyIDs.map(agencyEvents) + pipeline }
}
