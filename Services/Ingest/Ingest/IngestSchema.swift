import Pipeline
import PostgresClient

/// The tables of the `ingest` schema (its name is configurable so tests can use their own).
///
/// Version 1 is the reliability pattern's (`consumer_offsets`, `outbox`); version 2 holds the
/// agencies, their hashed tokens, the accepted events and the rejected ones.
public enum IngestSchema {
    /// Every migration of the schema, in order.
    public static let migrations: [PostgresMigration] = [PipelineSchema.migration, tables, noEventsBySubject,
                                                         smallStatisticsSamples]
        + PipelineSchema.laterMigrations

    /// Migration 4: `ANALYZE` samples 3,000 rows of `events` instead of 30,000, as scoring does
    /// for its ledger: the table only grows, every statement on it probes the primary key, and
    /// each autovacuum analyze at the default took up to 1.4 s in its bursts under load, which
    /// stalled the pipeline for seconds.
    static let smallStatisticsSamples = PostgresMigration.statisticsTarget(
        10, of: ["events"], version: 4, name: "small statistics samples")

    /// Migration 3: no index on `events (subject, occurred_at)`. Nothing in ingest reads events
    /// by subject (duplicates and retraction targets are found by `(agency, event_id)`), and
    /// each event paid an insert at a random page of it. A reader by subject would bring it back.
    static let noEventsBySubject = PostgresMigration(version: 3, name: "no events by subject", sql: """
        DROP INDEX events_subject;
        """)

    /// Migration 2: agencies, agency tokens (SHA-256 only), events, rejected events.
    static let tables = PostgresMigration(version: 2, name: "ingest", sql: """
        CREATE TABLE agencies (
            id         text PRIMARY KEY,
            name       text NOT NULL,
            kinds      text[] NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE agency_tokens (
            token_sha256 text PRIMARY KEY,
            agency       text NOT NULL REFERENCES agencies (id),
            created_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE events (
            agency       text NOT NULL,
            event_id     text NOT NULL,
            message_id   uuid NOT NULL,
            fingerprint  text NOT NULL,
            subject      text NOT NULL,
            subject_type text NOT NULL,
            kind         text NOT NULL,
            occurred_at  timestamptz NOT NULL,
            received_at  timestamptz NOT NULL,
            attributes   jsonb NOT NULL,
            evidence     text,
            retracts     text,
            retracted_by text,
            source       jsonb NOT NULL,
            PRIMARY KEY (agency, event_id)
        );
        CREATE INDEX events_subject ON events (subject, occurred_at);
        CREATE TABLE rejected_events (
            message_id  uuid PRIMARY KEY,
            agency      text,
            event_id    text,
            raw         bytea NOT NULL,
            transport   text NOT NULL,
            topic       text,
            partition   int,
            "offset"    bigint,
            reason      text NOT NULL,
            message     text NOT NULL,
            received_at timestamptz NOT NULL
        );
        CREATE INDEX rejected_events_agency ON rejected_events (agency, received_at);
        """)
}
