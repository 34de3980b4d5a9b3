extension Migrations {
    /// Search attributes (issue 21): a GIN index over each run's `search_attributes`, so a list
    /// query's equality on a custom attribute (`search_attributes @> '{"k": v}'`) is an index
    /// scan. `jsonb_path_ops` serves only `@>`, and is smaller and faster than the default class
    /// for it; range comparisons on a custom attribute (`(search_attributes->>'k')::numeric < $1`)
    /// are not indexed, and run as a filter over the namespace's runs.
    static let version17 = [
        "CREATE INDEX workflow_executions_search ON workflow_executions USING gin (search_attributes jsonb_path_ops)"
    ]
}
