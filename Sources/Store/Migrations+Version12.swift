extension Migrations {
    /// Workers take only what they can run (issue 18): a poll asks for the workflow or activity
    /// types its worker registered, so workers with different registries can share a queue. Each
    /// ready index gains the type after (queue, namespace), so that a poll reads, per served
    /// namespace and type, only the ready rows it can take, however many of other types wait
    /// (``FairDequeue``). Workflow tasks get their run's type (existing rows from their run; a row
    /// whose run is gone could never complete, so it is dropped); activity tasks already carry it.
    ///
    /// And `worker_heartbeats`: what each live worker polls and serves, one row per (namespace,
    /// identity, task queue), kept fresh by the worker's heartbeat and live until `expires_at`
    /// (docs/workers.md). Expired rows are deleted by the next heartbeat in their namespace.
    ///
    /// Numbered 12: engine version 11 was the samples' second version before they had a set of
    /// their own, so a database migrated before then records it already.
    static let version12 = [
        "ALTER TABLE workflow_tasks ADD COLUMN workflow_type text",
        "UPDATE workflow_tasks t SET workflow_type = e.workflow_type FROM workflow_executions e WHERE e.run_id = t.run_id",
        "DELETE FROM workflow_tasks WHERE workflow_type IS NULL",
        "ALTER TABLE workflow_tasks ALTER COLUMN workflow_type SET NOT NULL",
        "DROP INDEX workflow_tasks_ready",
        "CREATE INDEX workflow_tasks_ready ON workflow_tasks (task_queue, namespace, workflow_type, visible_at)",
        "DROP INDEX activity_tasks_ready",
        """
        CREATE INDEX activity_tasks_ready ON activity_tasks (task_queue, namespace, activity_type, visible_at)
        WHERE lease_owner IS NULL
        """,
        """
        CREATE TABLE worker_heartbeats (
            namespace text NOT NULL,
            identity text NOT NULL,
            task_queue text NOT NULL,
            workflow_types text[] NOT NULL,
            activity_types text[] NOT NULL,
            build text NOT NULL,
            started_at timestamptz NOT NULL,
            last_seen timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (namespace, identity, task_queue)
        )
        """,
        "CREATE INDEX worker_heartbeats_expiry ON worker_heartbeats (expires_at)",
    ]
}
