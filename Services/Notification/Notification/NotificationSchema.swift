import Pipeline
import PostgresClient

/// The tables of the `notification` schema (DESIGN §2: no other service reads them).
///
/// Migration 1 is the shared pipeline tables (`consumer_offsets`, `outbox`); this service's
/// own migrations start at 2.
public enum NotificationSchema {
    /// Every migration of the schema, in order.
    public static let migrations: [PostgresMigration] = [PipelineSchema.migration, notices, smallStatisticsSamples]
        + PipelineSchema.laterMigrations

    /// Migration 3: `ANALYZE` samples 3,000 rows of `notices` instead of 30,000, as ingest and
    /// scoring do for their growing tables. Autovacuum analyzed it in each of the five rounds
    /// logged in benchmark runs, and in one (inside a latency run) it was the second costliest
    /// analyze: 0.10 s of CPU, of the whole round's 0.53 s. Every statement on it goes by
    /// request id, subject or the partial index of pending notices, which rough statistics plan
    /// the same way.
    static let smallStatisticsSamples = PostgresMigration.statisticsTarget(
        10, of: ["notices"], version: 3, name: "small statistics samples")

    /// Migration 2: `notices` (one row per request id, with its delivery state) and
    /// `rejected_requests` (messages that were not a readable `notice-request/1`).
    static let notices = PostgresMigration(version: 2, name: "notices", sql: """
        CREATE TABLE notices (
            request_id      uuid        PRIMARY KEY,
            subject         text        NOT NULL,
            case_id         text        NOT NULL,
            kind            text        NOT NULL,
            title           text        NOT NULL,
            request         jsonb       NOT NULL,
            status          text        NOT NULL DEFAULT 'pending'
                                        CHECK (status IN ('pending', 'delivered', 'failed')),
            channel         text,
            attempts        int         NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            last_error      text,
            requested_at    timestamptz NOT NULL,
            received_at     timestamptz NOT NULL,
            delivered_at    timestamptz,
            failed_at       timestamptz
        );
        CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX notices_by_subject ON notices (subject, requested_at);
        CREATE TABLE rejected_requests (
            topic       text        NOT NULL,
            partition   int         NOT NULL,
            "offset"    bigint      NOT NULL,
            raw         bytea       NOT NULL,
            reason      text        NOT NULL,
            message     text        NOT NULL,
            rejected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (topic, partition, "offset")
        );
        """)
}
