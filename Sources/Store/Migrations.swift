import Logging
import PostgresNIO

/// The schema, as versioned SQL. Each version runs once, in order, in one transaction, under an
/// advisory lock so that processes starting together do not race. Never edit a released version:
/// add the next one.
enum Migrations {
    static let all: [(version: Int, sql: [String])] = [
        (1, version1),
        (2, version2),
        (3, version3),
        (4, version4),
        (5, version5),
        (7, version7),
        (8, version8),
        (9, version9),
        (10, version10),
        (11, version11),
    ]

    /// An arbitrary constant that names Reprise's migration lock.
    static let advisoryLockKey: Int64 = 0x5265_7072_6973_65

    static let version1 = [
        """
        CREATE TABLE namespaces (
            name text PRIMARY KEY,
            retention_days int NOT NULL DEFAULT 7,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "INSERT INTO namespaces (name) VALUES ('default')",
        """
        CREATE TABLE workflow_executions (
            run_id uuid PRIMARY KEY,
            namespace text NOT NULL REFERENCES namespaces (name),
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            task_queue text NOT NULL,
            status text NOT NULL,
            input jsonb,
            result jsonb,
            failure jsonb,
            start_time timestamptz NOT NULL,
            close_time timestamptz,
            execution_deadline timestamptz,
            next_event_id bigint NOT NULL,
            cancel_requested boolean NOT NULL DEFAULT false,
            task_failure jsonb,
            search_attributes jsonb,
            memo jsonb
        )
        """,
        // At most one open run per workflow id: the basis of idempotent start.
        """
        CREATE UNIQUE INDEX workflow_executions_open ON workflow_executions (namespace, workflow_id)
            WHERE status IN ('Running', 'Paused')
        """,
        "CREATE INDEX workflow_executions_by_id ON workflow_executions (namespace, workflow_id, start_time DESC)",
        "CREATE INDEX workflow_executions_list ON workflow_executions (namespace, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_by_status ON workflow_executions (namespace, status, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_by_type ON workflow_executions (namespace, workflow_type, start_time DESC, run_id DESC)",
        "CREATE INDEX workflow_executions_closed ON workflow_executions (close_time) WHERE close_time IS NOT NULL",
        """
        CREATE INDEX workflow_executions_deadline ON workflow_executions (execution_deadline)
            WHERE execution_deadline IS NOT NULL AND status IN ('Running', 'Paused')
        """,
        """
        CREATE TABLE history_events (
            run_id uuid NOT NULL,
            event_id bigint NOT NULL,
            event_type text NOT NULL,
            event_time timestamptz NOT NULL,
            attributes jsonb NOT NULL,
            PRIMARY KEY (run_id, event_id)
        )
        """,
        // One pending workflow task per run. A leased task's visible_at is its lease expiry, so a
        // task whose worker died becomes visible again by itself.
        """
        CREATE TABLE workflow_tasks (
            run_id uuid PRIMARY KEY,
            task_queue text NOT NULL,
            scheduled_event_id bigint NOT NULL,
            attempt int NOT NULL DEFAULT 1,
            visible_at timestamptz NOT NULL,
            lease_owner text,
            lease_token uuid
        )
        """,
        "CREATE INDEX workflow_tasks_ready ON workflow_tasks (task_queue, visible_at)",
        """
        CREATE TABLE activity_tasks (
            run_id uuid NOT NULL,
            activity_id text NOT NULL,
            namespace text NOT NULL,
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            task_queue text NOT NULL,
            activity_type text NOT NULL,
            input jsonb,
            options jsonb NOT NULL,
            scheduled_event_id bigint NOT NULL,
            scheduled_at timestamptz NOT NULL,
            attempt int NOT NULL DEFAULT 1,
            visible_at timestamptz NOT NULL,
            lease_owner text,
            lease_token uuid,
            lease_expires_at timestamptz,
            started_at timestamptz,
            heartbeat_details jsonb,
            last_heartbeat_at timestamptz,
            last_failure jsonb,
            cancel_requested boolean NOT NULL DEFAULT false,
            schedule_to_start_deadline timestamptz,
            schedule_to_close_deadline timestamptz,
            PRIMARY KEY (run_id, activity_id)
        )
        """,
        "CREATE INDEX activity_tasks_ready ON activity_tasks (task_queue, visible_at) WHERE lease_owner IS NULL",
        "CREATE INDEX activity_tasks_leases ON activity_tasks (lease_expires_at) WHERE lease_owner IS NOT NULL",
        "CREATE INDEX activity_tasks_start_deadline ON activity_tasks (schedule_to_start_deadline) WHERE lease_owner IS NULL",
        "CREATE INDEX activity_tasks_close_deadline ON activity_tasks (schedule_to_close_deadline)",
        """
        CREATE TABLE timers (
            run_id uuid NOT NULL,
            timer_id text NOT NULL,
            fire_at timestamptz NOT NULL,
            started_event_id bigint NOT NULL,
            PRIMARY KEY (run_id, timer_id)
        )
        """,
        "CREATE INDEX timers_due ON timers (fire_at)",
        """
        CREATE TABLE dead_letters (
            id uuid PRIMARY KEY,
            namespace text NOT NULL,
            run_id uuid NOT NULL,
            workflow_id text NOT NULL,
            workflow_type text NOT NULL,
            activity_id text NOT NULL,
            activity_type text NOT NULL,
            task_queue text NOT NULL,
            input jsonb,
            options jsonb NOT NULL,
            scheduled_event_id bigint NOT NULL,
            scheduled_at timestamptz NOT NULL,
            attempts int NOT NULL,
            last_failure jsonb NOT NULL,
            heartbeat_details jsonb,
            dead_at timestamptz NOT NULL,
            state text NOT NULL DEFAULT 'Pending',
            handled_at timestamptz,
            handled_by text
        )
        """,
        "CREATE INDEX dead_letters_list ON dead_letters (namespace, state, dead_at DESC, id)",
        "CREATE INDEX dead_letters_by_run ON dead_letters (run_id)",
    ]
}

extension Migrations {
    /// API tokens: stored as SHA-256 hashes, scoped to a namespace (or to all, for admins).
    static let version2 = [
        """
        CREATE TABLE api_tokens (
            token_hash text PRIMARY KEY,
            namespace text REFERENCES namespaces (name) ON DELETE CASCADE,
            role text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    ]
}

extension Migrations {
    /// The LLM gateway: budgets, per-run usage, the exact-response cache and the cost ledger.
    /// Money is kept in whole nano-USD so sums are exact.
    static let version3 = [
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

extension Migrations {
    /// The sample workflows' own tables (workflows/, docs/samples.md): the lead agent's memory, the
    /// e-mail outbox and the calendar; the sandbox payment ledger and subscriptions; trip inventory
    /// and bookings, seeded with a little demo stock (one car sold out, so a trip can compensate);
    /// and the published videos. Each write carries the writing activity's idempotency key, so a
    /// retried attempt never writes twice.
    static let version4 = [
        """
        CREATE TABLE lead_memory (
            id bigserial PRIMARY KEY,
            lead_id text NOT NULL,
            kind text NOT NULL,
            content text NOT NULL,
            write_key text UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        "CREATE INDEX lead_memory_by_lead ON lead_memory (lead_id, id)",
        """
        CREATE TABLE email_outbox (
            id bigserial PRIMARY KEY,
            idempotency_key text NOT NULL UNIQUE,
            namespace text NOT NULL,
            workflow_id text,
            to_address text NOT NULL,
            subject text NOT NULL,
            body text NOT NULL,
            provider text NOT NULL,
            status text NOT NULL CHECK (status IN ('held', 'sent')),
            provider_message_id text,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE calendar_bookings (
            id bigserial PRIMARY KEY,
            idempotency_key text NOT NULL UNIQUE,
            calendar text NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL,
            attendee text NOT NULL,
            title text NOT NULL,
            UNIQUE (calendar, starts_at)
        )
        """,
        """
        CREATE TABLE payment_ledger (
            id bigserial PRIMARY KEY,
            idempotency_key text NOT NULL UNIQUE,
            charge_id text NOT NULL UNIQUE,
            subscription_id text,
            amount_cents bigint NOT NULL CHECK (amount_cents > 0),
            currency text NOT NULL,
            source text NOT NULL,
            status text NOT NULL CHECK (status IN ('succeeded', 'declined')),
            decline_code text,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE subscriptions (
            id text PRIMARY KEY,
            customer text NOT NULL,
            status text NOT NULL CHECK (status IN ('active', 'past_due', 'canceled')),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE trip_inventory (
            kind text NOT NULL CHECK (kind IN ('flight', 'hotel', 'car')),
            item_id text NOT NULL,
            description text NOT NULL,
            capacity int NOT NULL CHECK (capacity >= 0),
            booked int NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
            PRIMARY KEY (kind, item_id)
        )
        """,
        """
        INSERT INTO trip_inventory (kind, item_id, description, capacity) VALUES
            ('flight', 'RP100', 'London LHR to New York JFK, 1 June', 120),
            ('flight', 'RP200', 'New York JFK to London LHR, 8 June', 120),
            ('hotel', 'NYC-MIDTOWN', 'Midtown hotel, 7 nights', 40),
            ('car', 'JFK-COMPACT', 'Compact car from JFK, 7 days', 25),
            ('car', 'JFK-CONVERTIBLE', 'Convertible from JFK, 7 days (sold out)', 0)
        """,
        """
        CREATE TABLE trip_bookings (
            id bigserial PRIMARY KEY,
            idempotency_key text NOT NULL UNIQUE,
            trip_id text NOT NULL,
            kind text NOT NULL,
            item_id text NOT NULL,
            status text NOT NULL CHECK (status IN ('booked', 'canceled')),
            created_at timestamptz NOT NULL DEFAULT now(),
            canceled_at timestamptz,
            FOREIGN KEY (kind, item_id) REFERENCES trip_inventory (kind, item_id)
        )
        """,
        """
        CREATE TABLE published_videos (
            video_id text PRIMARY KEY,
            directory text NOT NULL,
            master text NOT NULL,
            duration_seconds double precision NOT NULL,
            rungs jsonb NOT NULL,
            published_at timestamptz NOT NULL DEFAULT now()
        )
        """,
    ]
}

extension Migrations {
    /// Every step updates its run's row. With full pages a tenth of those updates could not stay on
    /// their page (HOT) and so inserted into all eight of the table's indexes; free space on each
    /// page keeps them in place. Applies to pages written from now on. And every step inserts an
    /// activity row, most often without a schedule-to-close deadline: the deadline index leaves
    /// those out (the reaper and the next-deadline query only look for set deadlines).
    static let version5 = [
        "ALTER TABLE workflow_executions SET (fillfactor = 80)",
        "DROP INDEX activity_tasks_close_deadline",
        """
        CREATE INDEX activity_tasks_close_deadline ON activity_tasks (schedule_to_close_deadline)
        WHERE schedule_to_close_deadline IS NOT NULL
        """,
    ]
}

extension Migrations {
    /// The gateway, per namespace (issue 15): budgets, their usage and the exact-response cache are
    /// keyed by the caller's namespace, never by a tenant the caller names. The cache's entries were
    /// keyed by such a tenant, so they are dropped. A reservation becomes a row with an expiry, so
    /// what a dead worker reserved stops counting when it expires: `llm_reserve` sums the live
    /// reservations instead of keeping a counter that a lost release never brings back.
    static let version7 = [
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

extension Store {
    /// Applies the migrations this database has not seen yet, under an advisory lock.
    ///
    /// - Returns: the versions applied by this call.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Migrations.advisoryLockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS reprise_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM reprise_migrations", logger: logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in Migrations.all where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO reprise_migrations (version) VALUES (\(migration.version))", logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }

    /// The newest schema version this code knows.
    public static var schemaVersion: Int { Migrations.all.last?.version ?? 0 }
}

extension Migrations {
    /// History size (issue 15): each run's stored history size in bytes of event JSON, kept by a
    /// statement trigger on every append however it is written (one statement's events of several
    /// runs included), so that the limit needs no sum over the history. Open runs are counted
    /// from what they have; closed runs never grow again.
    static let version10 = [
        "ALTER TABLE workflow_executions ADD COLUMN history_bytes bigint NOT NULL DEFAULT 0",
        """
        UPDATE workflow_executions e SET history_bytes = h.bytes
        FROM (
            SELECT run_id, sum(octet_length(attributes::text)) AS bytes FROM history_events
            WHERE run_id IN (SELECT run_id FROM workflow_executions WHERE status IN ('Running', 'Paused')) GROUP BY run_id
        ) h
        WHERE e.run_id = h.run_id
        """,
        """
        CREATE FUNCTION reprise_count_history_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE workflow_executions e SET history_bytes = e.history_bytes + n.bytes
            FROM (SELECT run_id, sum(octet_length(attributes::text)) AS bytes FROM appended GROUP BY run_id) n
            WHERE e.run_id = n.run_id;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER history_events_count_bytes AFTER INSERT ON history_events REFERENCING NEW TABLE AS appended
        FOR EACH STATEMENT EXECUTE FUNCTION reprise_count_history_bytes()
        """,
    ]
}
