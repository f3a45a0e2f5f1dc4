import KafkaClient
import PostgresClient

/// Consumed offsets kept in PostgreSQL, written in the same transaction as the state change
/// they account for (DESIGN §9), so that after a crash a consumer resumes exactly after the
/// last committed batch: nothing lost, nothing counted twice.
public struct OffsetStore: Sendable {
    /// The service's schema holding `consumer_offsets`.
    public let schema: String
    /// The consumer group the offsets belong to.
    public let group: String

    /// Creates a store for `group` in `schema`.
    public init(schema: String, group: String) {
        self.schema = schema
        self.group = group
    }

    /// The next offset to read for each of `partitions` that has one stored.
    public func load(_ partitions: [KafkaTopicPartition], on connection: isolated PostgresConnection) throws
        -> [KafkaTopicPartition: Int64]
    {
        guard !partitions.isEmpty else { return [:] }
        let rows = try connection.query("""
            SELECT o.topic, o.partition, o.next_offset
            FROM \(identifier: schema).consumer_offsets o
            JOIN unnest(\(partitions.map(\.topic))::text[], \(partitions.map { Int($0.partition) })::int[]) AS p(topic, partition)
              ON o.topic = p.topic AND o.partition = p.partition
            WHERE o.group_id = \(group)
            """)
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for row in rows {
            let partition = KafkaTopicPartition(topic: try row.decode(String.self, at: 0),
                                                partition: Int32(try row.decode(Int.self, at: 1)))
            offsets[partition] = try row.decode(Int64.self, at: 2)
        }
        return offsets
    }

    /// Records `offsets` (next offset to read per partition), replacing what was stored. The
    /// statement is deferred: it goes out with the commit, in the same round trip.
    ///
    /// The last writer wins, even when that moves an offset backwards: after the dev broker
    /// restarts empty, the new log's offsets start again at 0 and must replace the old ones, or
    /// a later restart would seek past unread messages. The cost is on the safe side: a consumer
    /// that lost a partition mid-batch and commits late can only make its successor read some
    /// messages again, which the handlers' unique constraints absorb.
    public func save(_ offsets: [KafkaTopicPartition: Int64], on connection: isolated PostgresConnection) throws {
        guard !offsets.isEmpty else { return }
        let entries = Array(offsets)
        try connection.executeDeferred(.genericPlan("""
            INSERT INTO \(identifier: schema).consumer_offsets (group_id, topic, partition, next_offset)
            SELECT \(group), t, p, o
            FROM unnest(\(entries.map(\.key.topic))::text[], \(entries.map { Int($0.key.partition) })::int[],
                        \(entries.map(\.value))::bigint[]) AS x(t, p, o)
            ON CONFLICT (group_id, topic, partition) DO UPDATE
            SET next_offset = EXCLUDED.next_offset, updated_at = now()
            """))
    }

    /// Records that this group now reads the cluster `clusterID`. When the group last read a
    /// different cluster, its stored offsets belong to another log (the dev broker restarted
    /// empty, or the service was pointed at a new cluster) and are deleted, so that every
    /// partition starts from the new log's beginning. Returns the previous cluster id when it
    /// differed.
    public func adopt(cluster clusterID: String, on connection: isolated PostgresConnection) throws -> String? {
        let previous = try connection.query("""
            SELECT cluster_id FROM \(identifier: schema).consumer_clusters WHERE group_id = \(group) FOR UPDATE
            """).first.map { try $0.decode(String.self, at: 0) }
        if let previous, previous != clusterID {
            try connection.execute("DELETE FROM \(identifier: schema).consumer_offsets WHERE group_id = \(group)")
        }
        try connection.execute("""
            INSERT INTO \(identifier: schema).consumer_clusters (group_id, cluster_id) VALUES (\(group), \(clusterID))
            ON CONFLICT (group_id) DO UPDATE SET cluster_id = EXCLUDED.cluster_id, seen_at = now()
            """)
        return previous == clusterID ? nil : previous
    }
}
