extension GatewayMigrations {
    /// `llm_reserve` refuses with SQLSTATE codes of its own (class `RP`, ``GatewayStore/ReserveErrorCode``)
    /// instead of messages the gateway had to match, so a message can say what it likes. The body is
    /// version 2's otherwise.
    static let version3 = [
        """
        CREATE OR REPLACE FUNCTION llm_reserve(p_namespace text, p_model text, p_tokens bigint, p_usd bigint, p_run text, p_max_run_usd bigint,
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
                    RAISE EXCEPTION 'the % budget of namespace % for % is spent', b.period, p_namespace, p_model
                        USING ERRCODE = CASE b.period WHEN 'day' THEN 'RP001' ELSE 'RP002' END;
                END IF;
            END LOOP;
            IF p_run IS NOT NULL THEN
                INSERT INTO llm_run_usage (run_id) VALUES (p_run) ON CONFLICT DO NOTHING;
                SELECT * INTO r FROM llm_run_usage WHERE run_id = p_run FOR UPDATE;
                IF p_max_run_calls IS NOT NULL AND r.calls + 1 > p_max_run_calls THEN
                    RAISE EXCEPTION 'run % has made its % calls', p_run, p_max_run_calls USING ERRCODE = 'RP003';
                END IF;
                SELECT COALESCE(sum(usd_nanos), 0) INTO held_usd FROM llm_reservations v WHERE v.run_id = p_run AND v.expires_at > now();
                IF p_max_run_usd IS NOT NULL AND r.usd_used_nanos + held_usd + p_usd > p_max_run_usd THEN
                    RAISE EXCEPTION 'run % would pass its cost ceiling', p_run USING ERRCODE = 'RP004';
                END IF;
                UPDATE llm_run_usage SET calls = calls + 1 WHERE run_id = p_run;
            END IF;
            INSERT INTO llm_reservations (namespace, model, run_id, day, month, tokens, usd_nanos, expires_at)
                VALUES (p_namespace, p_model, p_run, p_day, p_month, p_tokens, p_usd, now() + make_interval(secs => p_ttl_seconds))
                RETURNING id INTO reservation;
            RETURN reservation;
        END
        $$
        """
    ]
}
