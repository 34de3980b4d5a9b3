extension GatewayMigrations {
    /// Schemas by owner: `llm_reserve` names its tables unqualified, and a function resolves names
    /// through the `search_path` of its caller, which is not `reprise`. Pinning its own makes it
    /// find the gateway's tables for every caller.
    static let version5 = [
        "ALTER FUNCTION llm_reserve(text, text, bigint, bigint, text, bigint, int, date, date, double precision) SET search_path = reprise"
    ]
}
