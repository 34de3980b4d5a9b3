extension GatewayMigrations {
    /// The gateway, per namespace (issue 15): budgets, their usage and the exact-response cache are
    /// keyed by the caller's namespace, never by a tenant the caller names. The cache's entries were
    /// keyed by such a tenant, so they are dropped. A reservation becomes a row with an expiry, so
    /// what a dead worker reserved stops counting when it expires: `llm_reserve` sums the live
    /// reservations instead of keeping a counter that a lost release never brings back.
    static let version2 = [
        "DELETE FROM llm_response_cache",
        "ALTER TABLE llm_response_cache ADD COLUMN namespace text NOT NULL",
        "ALTER TABLE llm_response_cache DROP CONSTRAINT llm_response_cache_pkey",
        "ALTER TABLE llm_response_cache ADD PRIMARY KEY (namespace, key)",
        "ALTER TABLE llm_budgets RENAME COLUMN tenant TO namespace",
        "ALTER TABLE llm_budget_usage RENAME COLUMN tenant TO namespace",
        "ALTER TABLE llm_budget_usage DROP COLUMN tokens_reserved, DROP COLUMN usd_reserved_nanos",
        "ALTER TABLE llm_run_usage DROP COLUMN usd_reserved_nanos",
        """
        CREATE TABLE llm_reservations (
            id bigserial PRIMARY KEY,
            namespace text NOT NULL,
            model text NOT NULL,
            run_id text,
            day date NOT NULL,
            month date NOT NULL,
            tokens bigint NOT NULL,
            usd_nanos bigint NOT NULL,
            expires_at timestamptz NOT NULL
        )
        """,
        "CREATE INDEX llm_reservations_by_budget ON llm_reservations (namespace, model)",
        "CREATE INDEX llm_reservations_by_run ON llm_reservations (run_id) WHERE run_id IS NOT NULL",
        "CREATE INDEX llm_reservations_by_expiry ON llm_reservations (expires_at)",
        "DROP FUNCTION llm_reserve(text, text, bigint, bigint, text, bigint, int, date, date)",
        // Locks each budget's usage row (day, then month), then the run's row, and only then sums
        // the live reservations: each statement of a volatile function reads a fresh snapshot, so
        // a racing call's reservation is seen once its lock is released. Returns the reservation.
        """
        CREATE FUNCTION llm_reserve(p_namespace text, p_model text, p_tokens bigint, p_usd bigint, p_run text, p_max_run_usd bigint,
                                    p_max_run_calls int, p_day date, p_month date, p_ttl_seconds double precision)
        RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            b record;
            u record;
            r record;
            start date;
            held_tokens bigint;
            held_usd bigint;
            reservation bigint;
        BEGIN
            FOR b IN SELECT * FROM llm_budgets WHERE namespace = p_namespace AND model = p_model ORDER BY period LOOP
                start := CASE b.period WHEN 'day' THEN p_day ELSE p_month END;
                INSERT INTO llm_budget_usage (namespace, model, period, period_start) VALUES (p_namespace, p_model, b.period, start)
                    ON CONFLICT DO NOTHING;
                SELECT * INTO u FROM llm_budget_usage
                    WHERE namespace = p_namespace AND model = p_model AND period = b.period AND period_start = start FOR UPDATE;
                SELECT COALESCE(sum(tokens), 0), COALESCE(sum(usd_nanos), 0) INTO held_tokens, held_usd FROM llm_reservations v
                    WHERE v.namespace = p_namespace AND v.model = p_model AND v.expires_at > now()
                      AND (CASE b.period WHEN 'day' THEN v.day ELSE v.month END) = start;
                IF (b.max_tokens IS NOT NULL AND u.tokens_used + held_tokens + p_tokens > b.max_tokens)
                   OR (b.max_usd_nanos IS NOT NULL AND u.usd_used_nanos + held_usd + p_usd > b.max_usd_nanos) THEN
                    RAISE EXCEPTION 'reprise:budget:%', b.period;
                END IF;
            END LOOP;
            IF p_run IS NOT NULL THEN
                INSERT INTO llm_run_usage (run_id) VALUES (p_run) ON CONFLICT DO NOTHING;
                SELECT * INTO r FROM llm_run_usage WHERE run_id = p_run FOR UPDATE;
                IF p_max_run_calls IS NOT NULL AND r.calls + 1 > p_max_run_calls THEN
                    RAISE EXCEPTION 'reprise:run_calls';
                END IF;
                SELECT COALESCE(sum(usd_nanos), 0) INTO held_usd FROM llm_reservations v WHERE v.run_id = p_run AND v.expires_at > now();
                IF p_max_run_usd IS NOT NULL AND r.usd_used_nanos + held_usd + p_usd > p_max_run_usd THEN
                    RAISE EXCEPTION 'reprise:run_cost';
                END IF;
                UPDATE llm_run_usage SET calls = calls + 1 WHERE run_id = p_run;
            END IF;
            INSERT INTO llm_reservations (namespace, model, run_id, day, month, tokens, usd_nanos, expires_at)
                VALUES (p_namespace, p_model, p_run, p_day, p_month, p_tokens, p_usd, now() + make_interval(secs => p_ttl_seconds))
                RETURNING id INTO reservation;
            RETURN reservation;
        END
        $$
        """,
    ]
}
