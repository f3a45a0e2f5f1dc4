import CreditModel
import Pipeline
import PostgresClient

/// The scoring schema's migrations: the pipeline tables (1), then scoring's own (2 to 5), then
/// the later pipeline ones.
public enum ScoringSchema {
    /// Every migration, in order.
    public static let migrations: [PostgresMigration] = [PipelineSchema.migration, tables, oneEventKey, oneEntryKey,
                                                         noAcceptedEventsBySubject, smallStatisticsSamples, roomyBalances]
                                                        + PipelineSchema.laterMigrations

    /// Migration 2: the consumed events (kept for replay), the append-only ledger, balances
    /// and dead letters.
    ///
    /// The ledger's `UNIQUE (agency, event_id, scheme, rule_id, rule_version, cause)` is the
    /// idempotency key of DESIGN §9: a redelivered event cannot add an entry twice. A trigger
    /// refuses `UPDATE` and `DELETE` on it: corrections are compensating entries.
    public static let tables = PostgresMigration(version: 2, name: "scoring", sql: """
        CREATE TABLE accepted_events (
            seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id          uuid        NOT NULL UNIQUE,
            agency      text        NOT NULL,
            event_id    text        NOT NULL,
            subject     text        NOT NULL,
            kind        text        NOT NULL,
            occurred_at timestamptz NOT NULL,
            retracts    text,
            payload     bytea       NOT NULL,
            consumed_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (agency, event_id)
        );
        CREATE INDEX accepted_events_subject ON accepted_events (subject, seq);

        CREATE TABLE ledger (
            seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            entry_id         uuid        NOT NULL UNIQUE,
            subject          text        NOT NULL,
            scheme           text        NOT NULL,
            agency           text        NOT NULL,
            event_id         text        NOT NULL,
            kind             text        NOT NULL,
            rule_id          text        NOT NULL,
            rule_version     int         NOT NULL,
            cause            text        NOT NULL CHECK (cause IN ('event', 'retraction', 'expiry')),
            escalation_group text,
            requested        int         NOT NULL,
            delta            int         NOT NULL,
            clamped_amount   int         NOT NULL,
            points_after     int         NOT NULL,
            grade_after      text,
            reason           text        NOT NULL,
            occurred_at      timestamptz NOT NULL,
            effective_at     timestamptz NOT NULL,
            expires_at       timestamptz,
            reverses         uuid,
            recorded_at      timestamptz NOT NULL DEFAULT now(),
            UNIQUE (agency, event_id, scheme, rule_id, rule_version, cause)
        );
        CREATE INDEX ledger_subject ON ledger (subject, seq);
        CREATE INDEX ledger_reverses ON ledger (reverses) WHERE reverses IS NOT NULL;
        CREATE INDEX ledger_expiry ON ledger (expires_at) WHERE expires_at IS NOT NULL;
        CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the scoring ledger is append-only: write a compensating entry instead';
        END $$;
        CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
            FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

        CREATE TABLE balances (
            subject    text        NOT NULL,
            scheme     text        NOT NULL,
            points     int         NOT NULL,
            grade      text,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (subject, scheme)
        );

        CREATE TABLE rejected_messages (
            topic       text        NOT NULL,
            partition   int         NOT NULL,
            "offset"    bigint      NOT NULL,
            error       text        NOT NULL,
            payload     bytea,
            rejected_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (topic, partition, "offset")
        );
        """)

    /// Migration 3: `accepted_events` keeps one idempotency key, `(agency, event_id)` (DESIGN §9).
    /// The `id` is `MessageID.accepted(agency:eventID:)`, derived from that pair, so its own
    /// unique index refused nothing the pair's did not, and cost an index insert per event.
    public static let oneEventKey = PostgresMigration(version: 3, name: "one accepted event key", sql: """
        ALTER TABLE accepted_events DROP CONSTRAINT accepted_events_id_key;
        """)

    /// Migration 4: the ledger keeps one idempotency key, `(agency, event_id, scheme, rule_id,
    /// rule_version, cause)`. The `entry_id` is `MessageID.scoreChange` of exactly those
    /// fields, so its unique index refused nothing the key's did not, and it cost an insert at a
    /// random page of a B-tree of random UUIDs per entry. Nothing looks entries up by id.
    public static let oneEntryKey = PostgresMigration(version: 4, name: "one ledger entry key", sql: """
        ALTER TABLE ledger DROP CONSTRAINT ledger_entry_id_key;
        """)

    /// Migration 5: no index on `accepted_events (subject, seq)`. Nothing reads the consumed
    /// events by subject (a subject's history is read from the ledger, replay reads by `seq`),
    /// and each event paid an insert at a random page of it.
    public static let noAcceptedEventsBySubject = PostgresMigration(version: 5, name: "no accepted events by subject", sql: """
        DROP INDEX accepted_events_subject;
        """)

    /// Migration 6: `ANALYZE` samples 3,000 rows of the ledger and the consumed events instead
    /// of 30,000. Both only grow, so autovacuum analyzes them at every tenth of growth; at the
    /// default each analyze took up to 1.4 s in its bursts under load (0.25–0.42 s on an idle
    /// server, 0.03–0.05 s now), and the bursts stalled the pipeline for seconds. Every statement
    /// on them probes an index by key, which rough statistics plan the same way.
    public static let smallStatisticsSamples = PostgresMigration.statisticsTarget(
        10, of: ["ledger", "accepted_events"], version: 6, name: "small statistics samples")

    /// Migration 7: balance pages are filled to half by inserts, so that every update of a balance
    /// (one per scored subject and scheme) finds room on its own page and stays a heap-only
    /// update. On full pages (the default), 4.5 % of the updates in pgbench could not, and each
    /// of those added an index entry to clean up later. In pgbench (60 subjects per transaction,
    /// locked and upserted as the scorer does, on 133,000 balances) a transaction took
    /// 1.90–2.26 ms against 2.19–2.37 (three runs each). Pages filled before this migration keep
    /// their rows until they are rewritten.
    public static let roomyBalances = PostgresMigration(version: 7, name: "roomy balances", sql: """
        ALTER TABLE balances SET (fillfactor = 50);
        """)
}
