extension Migrations {
    /// Tracing (issue 22): the propagation fields (W3C `traceparent`, `tracestate`) of the span
    /// that started a run, as a JSON object, so that every workflow task and activity attempt of
    /// the run joins the start's trace, on any worker and however long after
    /// (docs/observability.md). Null for runs started without a trace.
    static let version21 = ["ALTER TABLE workflow_executions ADD COLUMN trace_context text"] + version21Indexes
}

extension Migrations {
    /// The periodic count behind `reprise_runs_paused` and `reprise_dead_letters_pending`
    /// (``Store/operationalCounts()``) reads these partial indexes, which hold only the few rows
    /// counted, rather than scanning every run.
    static let version21Indexes = [
        "CREATE INDEX workflow_executions_paused ON workflow_executions (run_id) WHERE status = 'Paused'",
        "CREATE INDEX dead_letters_pending ON dead_letters (id) WHERE state = 'Pending'",
    ]
}
