import PostgresClient

/// The tables of the reliability pattern that every consuming service keeps in its own schema:
/// the consumed offsets (with the Kafka cluster they belong to) and the outbox. Services apply
/// this migration first (version 1) and number their own from 2. Later pipeline tables come in
/// migrations numbered from 1001 (out of the services' range), which every service appends to
/// its list; `migrate` applies whichever are missing, so existing schemas get them on start.
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

    /// Migration 1001 of every service schema: `outbox_dead`, where `OutboxPublisher` moves a
    /// message the broker refuses for good (e.g. larger than `message.max.bytes`), with the
    /// reason, so the messages after it keep flowing. Keyed by the outbox position, not the
    /// message id, since a message id may be enqueued (and refused) again later.
    public static let outboxDead = PostgresMigration(version: 1001, name: "pipeline-outbox-dead", sql: """
        CREATE TABLE outbox_dead (
            seq        bigint NOT NULL PRIMARY KEY,
            message_id uuid   NOT NULL,
            topic      text   NOT NULL,
            key        text   NOT NULL,
            payload    bytea  NOT NULL,
            created_at timestamptz NOT NULL,
            failed_at  timestamptz NOT NULL DEFAULT now(),
            error      text   NOT NULL
        );
        CREATE INDEX outbox_dead_message_id ON outbox_dead (message_id);
        """)

    /// Migration 1002 of every service schema: the outbox loses its unique index on
    /// `message_id`. It refused a second copy of a message only while the first was still
    /// waiting, which consumers, who de-duplicate by id (delivery is at least once), never
    /// needed; and each row paid an insert into a B-tree of random UUIDs, at a random page.
    public static let outboxWithoutIDIndex = PostgresMigration(version: 1002, name: "pipeline-outbox-no-id-index", sql: """
        ALTER TABLE outbox DROP CONSTRAINT outbox_message_id_key;
        """)

    /// The pipeline migrations numbered from 1001, in order; every service appends them to its own.
    public static let laterMigrations: [PostgresMigration] = [outboxDead, outboxWithoutIDIndex]
}
