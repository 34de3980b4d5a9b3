extension Migrations {
    /// The runs view's id prefix (issue 21): `WorkflowId STARTS_WITH 'p'` compiles to
    /// `starts_with(workflow_id COLLATE "C", p)`, which Postgres (15 and later) turns into a range
    /// scan of an index on the id in the "C" collation, whatever the database's own collation.
    /// Without it a prefix is a filter over every run of the namespace (or of the status asked
    /// for): 30–50 ms for a rare prefix among 10,000 failed runs of 100,000, growing with them;
    /// with it, under a millisecond (docs/performance.md, "the console's runs view").
    static let version20 = [
        #"CREATE INDEX workflow_executions_id_prefix ON workflow_executions (namespace, (workflow_id COLLATE "C"))"#
    ]
}
