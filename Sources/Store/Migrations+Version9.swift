extension Migrations {
    /// Task queues per namespace (issue 15): a worker polls only the namespaces it serves, so the
    /// ready indexes lead with (queue, namespace). Workflow tasks get the run's namespace (existing
    /// rows from their run; a row whose run is gone could never complete, so it is dropped);
    /// activity tasks already carry it.
    static let version9 = [
        "ALTER TABLE workflow_tasks ADD COLUMN namespace text",
        "UPDATE workflow_tasks t SET namespace = e.namespace FROM workflow_executions e WHERE e.run_id = t.run_id",
        "DELETE FROM workflow_tasks WHERE namespace IS NULL",
        "ALTER TABLE workflow_tasks ALTER COLUMN namespace SET NOT NULL",
        "DROP INDEX workflow_tasks_ready",
        "CREATE INDEX workflow_tasks_ready ON workflow_tasks (task_queue, namespace, visible_at)",
        "DROP INDEX activity_tasks_ready",
        "CREATE INDEX activity_tasks_ready ON activity_tasks (task_queue, namespace, visible_at) WHERE lease_owner IS NULL",
    ]
}
