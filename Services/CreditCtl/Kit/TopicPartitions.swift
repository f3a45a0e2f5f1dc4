import CreditModel

/// How many partitions a stack's topics get: the agency topics (`agency.<id>.events`) one
/// count, the pipeline's own topics another.
///
/// On the dev broker a partition costs CPU in proportion to how many message batches it holds:
/// every fetch walks its batch list from the oldest, and the more partitions a stream is spread
/// over, the smaller (and more numerous) its batches. There are eleven agency topics, so one
/// partition each still gives ingest eleven to read; the pipeline's topics need their own count.
public struct TopicPartitions: Sendable, Hashable, Codable {
    /// Partitions of each agency topic.
    public var agency: Int
    /// Partitions of each pipeline topic (`events.accepted`, `scores.changed`, …).
    public var pipeline: Int

    /// `agency` for the agency topics, `pipeline` for the rest.
    public init(agency: Int, pipeline: Int) {
        self.agency = agency
        self.pipeline = pipeline
    }

    /// The counts either may take (`--partitions`, `--agency-partitions`).
    public static let allowed = 1...1_000

    /// The partitions of `topic`.
    public func count(of topic: String) -> Int {
        Topics.agencyID(ofEventsTopic: topic) == nil ? pipeline : agency
    }
}
