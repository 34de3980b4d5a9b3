import Store

extension MigrationSet {
    /// The gateway's tables and its `llm_reserve` function, in the engine's schema `reprise`
    /// (the gateway ships with the server). Versions 1 and 2 were the engine's versions 3 and 7,
    /// which a database migrated before owners existed has already run.
    package static let gateway = MigrationSet(
        owner: "gateway",
        schema: "reprise",
        versions: [
            .init(1, GatewayMigrations.version1, adoptedFromEngine: 3),
            .init(2, GatewayMigrations.version2, adoptedFromEngine: 7),
            .init(3, GatewayMigrations.version3),
            .init(4, GatewayMigrations.version4),
            .init(5, GatewayMigrations.version5),
        ],
        movedFromPublic: .init(
            tables: ["llm_budgets", "llm_budget_usage", "llm_run_usage", "llm_response_cache", "llm_ledger", "llm_reservations"],
            functions: ["llm_reserve"]))
}

/// The gateway's schema, as versioned SQL. Never edit a released version: add the next one.
enum GatewayMigrations {
    /// The LLM gateway: budgets, per-run usage, the exact-response cache and the cost ledger.
    /// Money is kept in whole nano-USD so sums are exact.
    static let version1 = [
        """
        CREATE TABLE llm_budgets (
            tenant text NOT NULL,
            model text NOT NULL,
            period text NOT NULL CHECK (period IN ('day', 'month')),
            max_tokens bigint,
            max_usd_nanos bigint,
            PRIMARY KEY (tenant, model, period)
        )
        """,
        """
        CREATE TABLE llm_budget_usage (
            tenant text NOT NULL,
            model text NOT NULL,
            period text NOT NULL,
            period_start date NOT NULL,
            tokens_reserved bigint NOT NULL DEFAULT 0,
            tokens_used bigint NOT NULL DEFAULT 0,
            usd_reserved_nanos bigint NOT NULL DEFAULT 0,
            usd_used_nanos bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (tenant, model, period, period_start)
        )
        """,
        """
        CREATE TABLE llm_run_usage (
            run_id text PRIMARY KEY,
            calls int NOT NULL DEFAULT 0,
            usd_reserved_nanos bigint NOT NULL DEFAULT 0,
            usd_used_nanos bigint NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE llm_response_cache (
            key text PRIMARY KEY,
            response jsonb NOT NULL,
            expires_at timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE llm_ledger (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            namespace text NOT NULL,
            tenant text NOT NULL,
            workflow_id text,
            run_id text,
            activity_id text,
            task_class text NOT NULL,
            route text NOT NULL,
            provider text,
            model text,
            input_tokens bigint NOT NULL DEFAULT 0,
            output_tokens bigint NOT NULL DEFAULT 0,
            cache_read_tokens bigint NOT NULL DEFAULT 0,
            cache_write_5m_tokens bigint NOT NULL DEFAULT 0,
            cache_write_1h_tokens bigint NOT NULL DEFAULT 0,
            usd_nanos bigint NOT NULL DEFAULT 0,
            latency_ms int NOT NULL DEFAULT 0,
            cache_hit boolean NOT NULL DEFAULT false,
            fallback_from text,
            outcome text NOT NULL,
            provider_request_id text
        )
        """,
        "CREATE INDEX llm_ledger_by_namespace ON llm_ledger (namespace, at)",
        "CREATE INDEX llm_ledger_by_run ON llm_ledger (run_id)",
        // Reserves a call's worst case against every budget of (tenant, model) and the run's
        // ceilings in one statement: a refusal raises, which undoes every reservation made so far.
        """
        CREATE FUNCTION llm_reserve(p_tenant text, p_model text, p_tokens bigint, p_usd bigint, p_run text, p_max_run_usd bigint,
                                    p_max_run_calls int, p_day date, p_month date) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            b record;
            r record;
            start date;
        BEGIN
            FOR b IN SELECT * FROM llm_budgets WHERE tenant = p_tenant AND model = p_model ORDER BY period LOOP
                start := CASE b.period WHEN 'day' THEN p_day ELSE p_month END;
                INSERT INTO llm_budget_usage (tenant, model, period, period_start) VALUES (p_tenant, p_model, b.period, start)
                    ON CONFLICT DO NOTHING;
                UPDATE llm_budget_usage u SET tokens_reserved = u.tokens_reserved + p_tokens, usd_reserved_nanos = u.usd_reserved_nanos + p_usd
                    WHERE u.tenant = p_tenant AND u.model = p_model AND u.period = b.period AND u.period_start = start
                      AND (b.max_tokens IS NULL OR u.tokens_used + u.tokens_reserved + p_tokens <= b.max_tokens)
                      AND (b.max_usd_nanos IS NULL OR u.usd_used_nanos + u.usd_reserved_nanos + p_usd <= b.max_usd_nanos);
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'reprise:budget:%', b.period;
                END IF;
            END LOOP;
            IF p_run IS NOT NULL THEN
                INSERT INTO llm_run_usage (run_id) VALUES (p_run) ON CONFLICT DO NOTHING;
                SELECT * INTO r FROM llm_run_usage WHERE run_id = p_run FOR UPDATE;
                IF p_max_run_calls IS NOT NULL AND r.calls + 1 > p_max_run_calls THEN
                    RAISE EXCEPTION 'reprise:run_calls';
                END IF;
                IF p_max_run_usd IS NOT NULL AND r.usd_used_nanos + r.usd_reserved_nanos + p_usd > p_max_run_usd THEN
                    RAISE EXCEPTION 'reprise:run_cost';
                END IF;
                UPDATE llm_run_usage SET calls = calls + 1, usd_reserved_nanos = usd_reserved_nanos + p_usd WHERE run_id = p_run;
            END IF;
        END
        $$
        """,
    ]
}
