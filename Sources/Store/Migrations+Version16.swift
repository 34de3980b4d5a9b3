extension Migrations {
    /// Schedules (issue 19): one row per schedule, scoped by namespace, that the schedule service
    /// locks (`FOR UPDATE SKIP LOCKED`) to fire. Its next times are computed in Swift from the spec
    /// (``ScheduleCalendar``) and stored, so the due query is an index range. (14 and 15 are
    /// continue-as-new's and child workflows'.)
    static let version16 = [
        """
        CREATE TABLE schedules (
            namespace text NOT NULL REFERENCES namespaces (name),
            schedule_id text NOT NULL,
            spec jsonb NOT NULL,
            action jsonb NOT NULL,
            overlap_policy text NOT NULL,
            catchup_window_seconds double precision NOT NULL,
            paused boolean NOT NULL DEFAULT false,
            note text NOT NULL DEFAULT '',
            next_nominal_time timestamptz,
            next_action_time timestamptz,
            buffered jsonb NOT NULL DEFAULT '[]',
            last_run_id uuid,
            recent_actions jsonb NOT NULL DEFAULT '[]',
            action_count bigint NOT NULL DEFAULT 0,
            missed_catchup_window bigint NOT NULL DEFAULT 0,
            overlap_skipped bigint NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (namespace, schedule_id)
        )
        """,
        "CREATE INDEX schedules_due ON schedules (next_action_time) WHERE NOT paused AND next_action_time IS NOT NULL",
        // Schedules holding ticks for their open run to close: checked on every round, so kept apart.
        "CREATE INDEX schedules_buffered ON schedules (namespace, schedule_id) WHERE NOT paused AND buffered <> '[]'::jsonb",
    ]
}
