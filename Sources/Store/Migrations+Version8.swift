extension Migrations {
    /// Request ids (issue 15): a start or a signal that carries one is recorded with the run it
    /// resolved to, so that a client repeating it after a timeout or a 503 gets that run again
    /// instead of a second run or a second signal, even once the run has closed. The rows go with
    /// their run when retention deletes it; the index on `run_id` keeps that cascade cheap.
    static let version8 = [
        """
        CREATE TABLE request_ids (
            namespace text NOT NULL,
            workflow_id text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('start', 'signal')),
            request_id text NOT NULL,
            run_id uuid NOT NULL REFERENCES workflow_executions (run_id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (namespace, workflow_id, kind, request_id)
        )
        """,
        "CREATE INDEX request_ids_by_run ON request_ids (run_id)",
    ]
}
