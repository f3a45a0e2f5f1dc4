import Pipeline
import PostgresClient

/// The tables of the `sanctions` schema (DESIGN §2: no other service reads them).
///
/// Migration 1 is the shared pipeline tables (`consumer_offsets`, `outbox`); this service's
/// own migrations start at 2.
public enum SanctionsSchema {
    /// Every migration of the schema, in order.
    public static let migrations: [PostgresMigration] = [PipelineSchema.migration, cases, durations, caseDurations,
                                                         processedDigests, smallStatisticsSamples]
                                                         + PipelineSchema.laterMigrations

    /// Migration 6: `ANALYZE` samples 3,000 rows of `cases` and `case_transitions` instead of
    /// 30,000, as ingest and scoring do for their growing tables. Autovacuum analyzed `cases` in
    /// each of the five rounds logged in benchmark runs and `case_transitions` in four, and in
    /// one (inside a latency run) they were the first and third costliest analyzes: 0.13 and
    /// 0.07 s of CPU, of the whole round's 0.53 s. Every statement on them goes by key (case id,
    /// subject and policy) or by a partial index (the deadlines), which rough statistics plan
    /// the same way.
    static let smallStatisticsSamples = PostgresMigration.statisticsTarget(
        10, of: ["cases", "case_transitions"], version: 6, name: "small statistics samples")

    /// Migration 5: `processed_messages` keeps a 16-byte digest of each key
    /// (`CaseStore.processedDigest(of:)`) instead of the ~50-byte text: a smaller index to insert
    /// into for every consumed message. Stored keys are converted with the same function.
    static let processedDigests = PostgresMigration(version: 5, name: "processed message digests", sql: """
        ALTER TABLE processed_messages ALTER COLUMN message_id TYPE uuid
            USING encode(substr(sha256(convert_to(message_id, 'UTF8')), 1, 16), 'hex')::uuid;
        ALTER TABLE processed_messages RENAME COLUMN message_id TO message_key;
        """)

    /// Migration 4: `cases.duration_days`, the policy's duration as it was when the case opened,
    /// so a later rulebook version does not change how long an existing case lasts.
    static let caseDurations = PostgresMigration(version: 4, name: "case durations", sql: """
        ALTER TABLE cases ADD COLUMN duration_days int CHECK (duration_days > 0);
        """)

    /// Migration 3: `cases.expires_at`, when an active case's measures end by the policy's
    /// duration (the deadline job lifts them then; nil: until a lifting condition).
    static let durations = PostgresMigration(version: 3, name: "durations", sql: """
        ALTER TABLE cases ADD COLUMN expires_at timestamptz;
        CREATE INDEX cases_expiring ON cases (expires_at) WHERE state = 'active' AND expires_at IS NOT NULL;
        """)

    /// Migration 2.
    ///
    /// - `cases`: one row per case; the id is derived from (subject, policy, cause), so the same
    ///   cause never opens a second case (an overturned case stays closed), and a partial unique
    ///   index allows at most one open case per (subject, policy). Deadlines are stored here, so
    ///   the deadline job finds them after a restart.
    /// - `case_transitions`: every state change with time, actor and reason (DESIGN §7).
    /// - `policy_conditions`: whether a state policy's condition held after the subject's last
    ///   score change, so a case opens only when the threshold is entered.
    /// - `processed_messages`: keys of consumed messages already applied (redelivery is a no-op;
    ///   digests since migration 5).
    /// - `list_lookups`: every enforcer lookup of a public list, shown to the subject.
    /// - `rejected_messages`: consumed messages that could not be read.
    static let cases = PostgresMigration(version: 2, name: "cases", sql: """
        CREATE TABLE cases (
            case_id          uuid        PRIMARY KEY,
            subject          text        NOT NULL,
            policy_id        text        NOT NULL,
            policy_version   int         NOT NULL,
            kind             text        NOT NULL CHECK (kind IN ('sanction', 'reward')),
            state            text        NOT NULL
                                         CHECK (state IN ('proposed', 'noticed', 'under_appeal', 'active', 'lifted', 'withdrawn')),
            cause            text        NOT NULL,
            measures         jsonb       NOT NULL,
            reasons          jsonb       NOT NULL,
            appeal_days      int         NOT NULL,
            appeal_code_hash text,
            opened_at        timestamptz NOT NULL,
            delivered_at     timestamptz,
            appeal_deadline  timestamptz,
            appealed_at      timestamptz,
            notice_failure   text,
            active_since     timestamptz,
            closed_at        timestamptz
        );
        CREATE UNIQUE INDEX cases_one_open ON cases (subject, policy_id)
            WHERE state IN ('proposed', 'noticed', 'under_appeal', 'active');
        CREATE INDEX cases_due ON cases (appeal_deadline) WHERE state = 'noticed';
        CREATE INDEX cases_by_subject ON cases (subject, opened_at);
        CREATE INDEX cases_by_cause ON cases (subject, cause);
        CREATE TABLE case_transitions (
            seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            case_id    uuid        NOT NULL REFERENCES cases (case_id),
            from_state text,
            to_state   text        NOT NULL,
            at         timestamptz NOT NULL,
            actor      text        NOT NULL,
            reason     text        NOT NULL
        );
        CREATE INDEX case_transitions_by_case ON case_transitions (case_id, seq);
        CREATE TABLE policy_conditions (
            subject    text        NOT NULL,
            policy_id  text        NOT NULL,
            holds      boolean     NOT NULL,
            change_id  text        NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (subject, policy_id)
        );
        CREATE TABLE processed_messages (
            message_id   text        PRIMARY KEY,
            processed_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE TABLE list_lookups (
            seq       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            list      text        NOT NULL,
            subject   text        NOT NULL,
            enforcer  text        NOT NULL,
            purpose   text        NOT NULL,
            listed    boolean     NOT NULL,
            at        timestamptz NOT NULL
        );
        CREATE INDEX list_lookups_by_subject ON list_lookups (subject, seq);
        CREATE TABLE rejected_messages (
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
