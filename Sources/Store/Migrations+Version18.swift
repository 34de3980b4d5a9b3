extension Migrations {
    /// Queries and updates (issue 20). A query (or an update's validation: `kind`) waits in
    /// `workflow_queries`, a few seconds at most, for a worker of its run's task queue to answer
    /// it. The API server inserts the row and NOTIFYs the queue's workers (`Channel.queries`); a
    /// worker claims it (`claimed_by`), writes the answer and NOTIFYs back
    /// (`Channel.queryAnswered`); the API server deletes the row as it reads the answer, or when it
    /// gives up. Rows a crashed server left behind are purged by the next insert once expired.
    static let version18 = [
        """
        CREATE TABLE workflow_queries (
            id uuid PRIMARY KEY,
            namespace text NOT NULL,
            workflow_id text NOT NULL,
            run_id uuid NOT NULL,
            workflow_type text NOT NULL,
            task_queue text NOT NULL,
            kind text NOT NULL,
            query_name text NOT NULL,
            args jsonb NOT NULL,
            expires_at timestamptz NOT NULL,
            claimed_by text,
            answered boolean NOT NULL DEFAULT false,
            result jsonb,
            error_code text,
            error_message text
        )
        """,
        "CREATE INDEX workflow_queries_waiting ON workflow_queries (task_queue, expires_at) WHERE claimed_by IS NULL",
        "CREATE INDEX workflow_queries_expiry ON workflow_queries (expires_at)",
        // An accepted update and, once its handler ends, its outcome: a repeated update id
        // answers from here and runs nothing. The rows go with their run.
        """
        CREATE TABLE workflow_updates (
            run_id uuid NOT NULL REFERENCES workflow_executions (run_id) ON DELETE CASCADE,
            update_id text NOT NULL,
            name text NOT NULL,
            accepted_event_id bigint NOT NULL,
            completed boolean NOT NULL DEFAULT false,
            result jsonb,
            failure jsonb,
            PRIMARY KEY (run_id, update_id)
        )
        """,
    ]
}
