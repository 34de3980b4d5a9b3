extension Migrations {
    /// Continue-as-new (issue 19): a run started by continue-as-new names the run it continued
    /// (`continued_execution_run_id`), and that run, closed `ContinuedAsNew`, names its successor
    /// (`new_execution_run_id`), so `describe` shows both links from the row alone. Nullable
    /// columns without a default: adding them rewrites nothing.
    static let version14 = [
        "ALTER TABLE workflow_executions ADD COLUMN continued_execution_run_id uuid",
        "ALTER TABLE workflow_executions ADD COLUMN new_execution_run_id uuid",
    ]
}
