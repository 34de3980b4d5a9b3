import Store

extension MigrationSet {
    /// The sample workflows' tables, in the schema `reprise_samples`, which only this set creates.
    /// Versions 1 and 2 were the engine's versions 4 and 11, which a database migrated before
    /// owners existed has already run.
    package static let samples = MigrationSet(
        owner: "samples",
        schema: "reprise_samples",
        versions: [
            .init(1, SampleMigrations.version1, adoptedFromEngine: 4),
            .init(2, SampleMigrations.version2, adoptedFromEngine: 11),
        ],
        movedFromPublic: .init(tables: [
            "lead_memory", "email_outbox", "calendar_bookings", "payment_ledger", "subscriptions", "trip_inventory", "trip_bookings", "trip_catalogue",
            "published_videos",
        ]))
}

/// The samples' schema, as versioned SQL. Never edit a released version: add the next one.
enum SampleMigrations {
    /// The sample workflows' own tables (workflows/, docs/samples.md): the lead agent's memory, the
    /// e-mail outbox and the calendar; the sandbox payment ledger and subscriptions; trip inventory
    /// and bookings, seeded with a little demo stock (one car sold out, so a trip can compensate);
    /// and the published videos. Each write carries the writing activity's idempotency key, so a
    /// retried attempt never writes twice.
    static let version1 = [
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
