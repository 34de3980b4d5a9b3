extension SampleMigrations {
    /// The sample tables, per namespace (issue 15): every row belongs to the namespace of the run
    /// that wrote it, and every key a workflow chooses (a lead, a calendar slot, a subscription, a
    /// video id, a trip's stock) is unique within its namespace only, so that runs of two
    /// namespaces never read or change each other's rows. Existing rows belong to `default`.
    ///
    /// Idempotency keys (`runId/activityId`) and sandbox charge ids stay unique across namespaces:
    /// a run id is a server-made UUID, so no namespace can choose another's key.
    ///
    /// The demo inventory becomes a shared, read-only catalogue (`trip_catalogue`); each namespace
    /// gets its own stock of an item (`trip_inventory`) when it first books it, so one namespace's
    /// bookings never sell out another's.
    static let version2: [String] =
        ["lead_memory", "calendar_bookings", "payment_ledger", "subscriptions", "published_videos", "trip_inventory", "trip_bookings"].flatMap(addNamespace)
        + version2Keys

    /// Adds the column, with existing rows in `default`, and then no default: a writer that
    /// forgets the namespace fails instead of writing into `default`.
    private static func addNamespace(to table: String) -> [String] {
        [
            "ALTER TABLE \(table) ADD COLUMN namespace text NOT NULL DEFAULT 'default'",
            "ALTER TABLE \(table) ALTER COLUMN namespace DROP DEFAULT",
        ]
    }

    private static let version2Keys = [
        "DROP INDEX lead_memory_by_lead",
        "CREATE INDEX lead_memory_by_lead ON lead_memory (namespace, lead_id, id)",
        "CREATE INDEX email_outbox_by_namespace ON email_outbox (namespace, workflow_id, id)",
        "ALTER TABLE calendar_bookings DROP CONSTRAINT calendar_bookings_calendar_starts_at_key",
        "ALTER TABLE calendar_bookings ADD CONSTRAINT calendar_bookings_slot UNIQUE (namespace, calendar, starts_at)",
        "CREATE INDEX payment_ledger_by_subscription ON payment_ledger (namespace, subscription_id)",
        "ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey",
        "ALTER TABLE subscriptions ADD PRIMARY KEY (namespace, id)",
        "ALTER TABLE published_videos DROP CONSTRAINT published_videos_pkey",
        "ALTER TABLE published_videos ADD PRIMARY KEY (namespace, video_id)",
        "CREATE INDEX published_videos_by_directory ON published_videos (directory)",
        """
        CREATE TABLE trip_catalogue (
            kind text NOT NULL CHECK (kind IN ('flight', 'hotel', 'car')),
            item_id text NOT NULL,
            description text NOT NULL,
            capacity int NOT NULL CHECK (capacity >= 0),
            PRIMARY KEY (kind, item_id)
        )
        """,
        "INSERT INTO trip_catalogue (kind, item_id, description, capacity) SELECT kind, item_id, description, capacity FROM trip_inventory",
        "ALTER TABLE trip_bookings DROP CONSTRAINT trip_bookings_kind_item_id_fkey",
        "ALTER TABLE trip_inventory DROP CONSTRAINT trip_inventory_pkey",
        "ALTER TABLE trip_inventory ADD PRIMARY KEY (namespace, kind, item_id)",
        """
        ALTER TABLE trip_bookings ADD CONSTRAINT trip_bookings_item
            FOREIGN KEY (namespace, kind, item_id) REFERENCES trip_inventory (namespace, kind, item_id)
        """,
        "CREATE INDEX trip_bookings_by_trip ON trip_bookings (namespace, trip_id)",
    ]
}
