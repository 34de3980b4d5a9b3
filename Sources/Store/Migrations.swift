/// The engine's schema, as versioned SQL (see ``MigrationSet``), in the Postgres schema `reprise`.
/// Versions 3, 4, 7 and 11 were the gateway's and the samples' tables before each owner had a set
/// of its own: they left this list (``MigrationSet/Version/adoptedFromEngine`` maps them) and
/// their numbers are never reused.
enum Migrations {
    static let engine = MigrationSet(
        owner: MigrationSet.engineOwner,
        schema: schema,
        versions: [
            .init(1, version1), .init(2, version2), .init(5, version5), .init(8, version8), .init(9, version9), .init(10, version10),
            .init(12, version12), .init(13, version13), .init(14, version14), .init(15, version15), .init(16, version16),
            .init(17, version17), .init(18, version18), .init(19, version19), .init(20, version20), .init(21, version21),
        ],
        movedFromPublic: .init(
            tables: [
                "namespaces", "workflow_executions", "history_events", "workflow_tasks", "activity_tasks", "timers", "dead_letters", "api_tokens",
                "request_ids",
            ],
            functions: ["reprise_count_history_bytes"]))

    /// An arbitrary constant that names Reprise's migration lock.
    static let advisoryLockKey: Int64 = 0x5265_7072_6973_65

    static let version1 = [
        """
        CREATE TABLE namespaces (
            name text PRIMARY KEY,
            retention_days int NOT NULL DEFAULT 7,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "INSERT INTO namespaces (name) VALUES ('default')",
        """
        CREATE TABLE workflow_executions (
            run_id uuid PRIMARY KEY,
            namespace text NOT NULL REFERENCES namespaces (name),
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            task_queue text NOT NULL,
            status text NOT NULL,
            input jsonb,
            result jsonb,
            failure jsonb,
            start_time timestamptz NOT NULL,
            close_time timestamptz,
            execution_deadline timestamptz,
            next_event_id bigint NOT NULL,
            cancel_requested boolean NOT NULL DEFAULT false,
            task_failure jsonb,
            search_attributes jsonb,
            memo jsonb
        )
        """,
        // At most one open run per workflow id: the basis of idempotent start.
        """
        CREATE UNIQUE INDEX workflow_executions_open ON workflow_executions (namespace, workflow_id)
            WHERE status IN ('Running', 'Paused')
        """,
        "CREATE INDEX workflow_executions_by_id ON workflow_executions (namespace, workflow_id, start_time DESC)",
        "CREATE INDEX workflow_executions_list ON workflow_executions (namespace, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_by_status ON workflow_executions (namespace, status, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_by_type ON workflow_executions (namespace, workflow_type, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_closed ON workflow_executions (close_time) WHERE close_time IS NOT NULL",
        """
        CREATE INDEX workflow_executions_deadline ON workflow_executions (execution_deadline)
            WHERE execution_deadline IS NOT NULL AND status IN ('Running', 'Paused')
        """,
        """
        CREATE TABLE history_events (
            run_id uuid NOT NULL,
            event_id bigint NOT NULL,
            event_type text NOT NULL,
            event_time timestamptz NOT NULL,
            attributes jsonb NOT NULL,
            PRIMARY KEY (run_id, event_id)
        )
        """,
        // One pending workflow task per run. A leased task's visible_at is its lease expiry, so a
        // task whose worker died becomes visible again by itself.
        """
        CREATE TABLE workflow_tasks (
            run_id uuid PRIMARY KEY,
            task_queue text NOT NULL,
            scheduled_event_id bigint NOT NULL,
            attempt int NOT NULL DEFAULT 1,
            visible_at timestamptz NOT NULL,
            lease_owner text,
            lease_token uuid
        )
        """,
        "CREATE INDEX workflow_tasks_ready ON workflow_tasks (task_queue, visible_at)",
        """
        CREATE TABLE activity_tasks (
            run_id uuid NOT NULL,
            activity_id text NOT NULL,
            namespace text NOT NULL,
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            task_queue text NOT NULL,
            activity_type text NOT NULL,
            input jsonb,
            options jsonb NOT NULL,
            scheduled_event_id bigint NOT NULL,
            scheduled_at timestamptz NOT NULL,
            attempt int NOT NULL DEFAULT 1,
            visible_at timestamptz NOT NULL,
            lease_owner text,
            lease_token uuid,
            lease_expires_at timestamptz,
            started_at timestamptz,
            heartbeat_details jsonb,
            last_heartbeat_at timestamptz,
            last_failure jsonb,
            cancel_requested boolean NOT NULL DEFAULT false,
            schedule_to_start_deadline timestamptz,
            schedule_to_close_deadline timestamptz,
            PRIMARY KEY (run_id, activity_id)
        )
        """,
        "CREATE INDEX activity_tasks_ready ON activity_tasks (task_queue, visible_at) WHERE lease_owner IS NULL",
        "CREATE INDEX activity_tasks_leases ON activity_tasks (lease_expires_at) WHERE lease_owner IS NOT NULL",
        "CREATE INDEX activity_tasks_start_deadline ON activity_tasks (schedule_to_start_deadline) WHERE lease_owner IS NULL",
        "CREATE INDEX activity_tasks_close_deadline ON activity_tasks (schedule_to_close_deadline)",
        """
        CREATE TABLE timers (
            run_id uuid NOT NULL,
            timer_id text NOT NULL,
            fire_at timestamptz NOT NULL,
            started_event_id bigint NOT NULL,
            PRIMARY KEY (run_id, timer_id)
        )
        """,
        "CREATE INDEX timers_due ON timers (fire_at)",
        """
        CREATE TABLE dead_letters (
            id uuid PRIMARY KEY,
            namespace text NOT NULL,
            run_id uuid NOT NULL,
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            activity_id text NOT NULL,
            activity_type text NOT NULL,
            task_queue text NOT NULL,
            input jsonb,
            options jsonb NOT NULL,
            scheduled_event_id bigint NOT NULL,
            scheduled_at timestamptz NOT NULL,
            attempts int NOT NULL,
            last_failure jsonb NOT NULL,
            heartbeat_details jsonb,
            dead_at timestamptz NOT NULL,
            state text NOT NULL DEFAULT 'Pending',
            handled_at timestamptz,
            handled_by text
        )
        """,
        "CREATE INDEX dead_letters_list ON dead_letters (namespace, state, dead_at DESC, id)",
        "CREATE INDEX dead_letters_by_run ON dead_letters (run_id)",
    ]
}

extension Migrations {
    /// API tokens: stored as SHA-256 hashes, scoped to a namespace (or to all, for admins).
    static let version2 = [
        """
        CREATE TABLE api_tokens (
            token_hash text PRIMARY KEY,
            namespace text REFERENCES namespaces (name) ON DELETE CASCADE,
            role text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    ]
}

extension Migrations {
    /// Every step updates its run's row. With full pages a tenth of those updates could not stay on
    /// their page (HOT) and so inserted into all eight of the table's indexes; free space on each
    /// page keeps them in place. Applies to pages written from now on. And every step inserts an
    /// activity row, most often without a schedule-to-close deadline: the deadline index leaves
    /// those out (the reaper and the next-deadline query only look for set deadlines).
    static let version5 = [
        "ALTER TABLE workflow_executions SET (fillfactor = 80)",
        "DROP INDEX activity_tasks_close_deadline",
        """
        CREATE INDEX activity_tasks_close_deadline ON activity_tasks (schedule_to_close_deadline)
        WHERE schedule_to_close_deadline IS NOT NULL
        """,
    ]
}

extension Migrations {
    /// History size (issue 15): each run's stored history size in bytes of event JSON, kept by a
    /// statement trigger on every append however it is written (one statement's events of several
    /// runs included), so that the limit needs no sum over the history. Open runs are counted
    /// from what they have; closed runs never grow again.
    static let version10 = [
        "ALTER TABLE workflow_executions ADD COLUMN history_bytes bigint NOT NULL DEFAULT 0",
        """
        UPDATE workflow_executions e SET history_bytes = h.bytes
        FROM (
            SELECT run_id, sum(octet_length(attributes::text)) AS bytes FROM history_events
            WHERE run_id IN (SELECT run_id FROM workflow_executions WHERE status IN ('Running', 'Paused')) GROUP BY run_id
        ) h
        WHERE e.run_id = h.run_id
        """,
        """
        CREATE FUNCTION reprise_count_history_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE workflow_executions e SET history_bytes = e.history_bytes + n.bytes
            FROM (SELECT run_id, sum(octet_length(attributes::text)) AS bytes FROM appended GROUP BY run_id) n
            WHERE e.run_id = n.run_id;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER history_events_count_bytes AFTER INSERT ON history_events REFERENCING NEW TABLE AS appended
        FOR EACH STATEMENT EXECUTE FUNCTION reprise_count_history_bytes()
        """,
    ]
}