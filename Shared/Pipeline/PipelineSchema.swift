import PostgresClient

/// The tables of the reliability pattern that every consuming service keeps in its own schema:
/// the consumed offsets (with the Kafka cluster they belong to) and the outbox. Services apply
/// this migration first (version 1) and number their own from 2.
public enum PipelineSchema {
    /// Migration 1 of every service schema: `consumer_offsets` and `outbox`.
    public static let migration = PostgresMigration(version: 1, name: "pipeline", sql: """
        CREATE TABLE consumer_offsets (
            group_id    text   NOT NULL,
            topic       text   NOT NULL,
            partition   int    NOT NULL,
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_id, topic, partition)
        );
        CREATE TABLE consumer_clusters (
            group_id   text NOT NULL PRIMARY KEY,
            cluster_id text NOT NULL,
            seen_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE outbox (
            seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id uuid   NOT NULL UNIQUE,
            topic      text   NOT NULL,
            key        text   NOT NULL,
            payload    bytea  NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """)
}
