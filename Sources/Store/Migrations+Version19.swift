extension Migrations {
    /// Webhook deliveries (issue 20): every signed delivery a provider sends, stored in the
    /// transaction that routes it, so a provider's event id is processed once however often it is
    /// retried (the unique key), and an event that could not be routed waits as `DeadLettered`
    /// for an operator's retry (docs/webhooks.md). Rows go with their namespace.
    static let version19 = [
        """
        CREATE TABLE webhook_deliveries (
            id uuid PRIMARY KEY,
            namespace text NOT NULL REFERENCES namespaces (name) ON DELETE CASCADE,
            source text NOT NULL,
            event_id text NOT NULL,
            event_type text NOT NULL,
            payload jsonb NOT NULL,
            state text NOT NULL,
            reason text,
            workflow_id text,
            run_id uuid,
            attempts int NOT NULL DEFAULT 1,
            received_at timestamptz NOT NULL,
            handled_at timestamptz,
            UNIQUE (namespace, source, event_id)
        )
        """,
        "CREATE INDEX webhook_deliveries_list ON webhook_deliveries (namespace, state, received_at DESC, id DESC)",
    ]
}
