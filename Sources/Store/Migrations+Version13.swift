extension Migrations {
    /// Schemas by owner: the history-size trigger's function names its table unqualified, and a
    /// function resolves names through the `search_path` of whoever fires it, which is not
    /// `reprise`. Pinning its own `search_path` makes it find `reprise.workflow_executions` for
    /// every caller. (Numbered 13: the typed polls took 12.)
    static let version13 = [
        "ALTER FUNCTION reprise_count_history_bytes() SET search_path = reprise"
    ]
}
