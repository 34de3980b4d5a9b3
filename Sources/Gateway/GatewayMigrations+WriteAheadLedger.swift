extension GatewayMigrations {
    /// The write-ahead ledger row: a call's row is written `pending` with its reservation before the
    /// provider is called, so a worker that dies after the provider answered still leaves a row
    /// for the call. `reservation_id` links the two; the partial index finds the few pending rows
    /// of the reservations the sweep deletes (and only those rows, so the ledger's size does not
    /// matter to it).
    static let version4 = [
        "ALTER TABLE llm_ledger ADD COLUMN reservation_id bigint",
        "CREATE INDEX llm_ledger_pending ON llm_ledger (reservation_id) WHERE outcome = 'pending'",
    ]
}
