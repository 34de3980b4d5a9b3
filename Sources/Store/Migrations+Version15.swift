extension Migrations {
    /// Child workflows (issue 19): a child's row names its parent run, the parent's
    /// `StartChildWorkflowExecutionInitiated` and `ChildWorkflowExecutionStarted` event ids, and
    /// its parent close policy; a parent's row says it has ever started a child. The transitions
    /// read both from the row they lock anyway, so a run with neither costs no extra statement:
    /// only a child's close looks for its parent, and only a parent's close looks for its
    /// children, through the partial index of children by parent run.
    /// (Numbered 15: 14 and 16 are taken by the other parts of the issue.)
    static let version15 = [
        "ALTER TABLE workflow_executions ADD COLUMN parent_run_id uuid",
        "ALTER TABLE workflow_executions ADD COLUMN parent_initiated_event_id bigint",
        "ALTER TABLE workflow_executions ADD COLUMN parent_started_event_id bigint",
        "ALTER TABLE workflow_executions ADD COLUMN parent_close_policy text",
        "ALTER TABLE workflow_executions ADD COLUMN has_children boolean NOT NULL DEFAULT false",
        "CREATE INDEX workflow_executions_children ON workflow_executions (parent_run_id, status) WHERE parent_run_id IS NOT NULL",
        """
        CREATE TABLE buffered_events (
            run_id uuid NOT NULL REFERENCES workflow_executions (run_id) ON DELETE CASCADE,
            seq bigserial,
            event jsonb NOT NULL,
            PRIMARY KEY (run_id, seq)
        )
        """,
    ]
}
