import Logging
import PostgresNIO

extension Migrations {
    /// `reprise.reprise_migrations`, keyed by (owner, version). A database migrated before owners
    /// existed keys it by version alone, every row the engine's: the column (its default names the
    /// engine) and the key move in place, idempotently, before any version runs.
    static let ledger = [
        "CREATE SCHEMA IF NOT EXISTS reprise",
        """
        CREATE TABLE IF NOT EXISTS reprise.reprise_migrations (
            owner text NOT NULL DEFAULT '\(MigrationSet.engineOwner)',
            version int NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT reprise_migrations_by_owner PRIMARY KEY (owner, version)
        )
        """,
        "ALTER TABLE reprise.reprise_migrations ADD COLUMN IF NOT EXISTS owner text NOT NULL DEFAULT '\(MigrationSet.engineOwner)'",
        """
        DO $$
        BEGIN
            IF NOT EXISTS (
                SELECT 1 FROM pg_constraint WHERE conrelid = 'reprise.reprise_migrations'::regclass AND conname = 'reprise_migrations_by_owner'
            ) THEN
                ALTER TABLE reprise.reprise_migrations DROP CONSTRAINT IF EXISTS reprise_migrations_pkey;
                ALTER TABLE reprise.reprise_migrations ADD CONSTRAINT reprise_migrations_by_owner PRIMARY KEY (owner, version);
            END IF;
        END
        $$
        """,
    ]
}

extension Store {
    /// Applies the versions this database has not seen yet: the engine's first, then each given
    /// set's, in order, in one transaction under an advisory lock, so that processes starting
    /// together do not race.
    ///
    /// Each set with a schema gets it first, and its versions run with `search_path` set to it
    /// alone. A database migrated before the schemas existed has everything in `public`: the
    /// ledger, then each applied set's objects (``MigrationSet/movedFromPublic``) move into their
    /// schemas, under the same lock and in the same transaction, before any version runs.
    ///
    /// A version adopted from an engine version that this database recorded before owners existed
    /// (``MigrationSet/Version/adoptedFromEngine``) is recorded without running: its objects exist.
    ///
    /// - Parameter sets: the other owners' sets this process needs (the gateway's, the samples').
    /// - Returns: the versions this call ran, in order.
    /// - Throws: ``StoreError`` `InvalidArgument` when two sets share an owner (the engine's is
    ///   always applied, so it is never given), a set's versions do not ascend or it names a
    ///   schema that is not a plain identifier; `SchemaConflict` when the database holds the
    ///   ledger both in `public` and in `reprise`; `DatabaseUnreachable` when no connection can be
    ///   made (``checkConnection()``).
    @discardableResult
    public func migrate(_ sets: [MigrationSet] = []) async throws -> [AppliedMigration] {
        let all = try ([Migrations.engine] + sets).map { try $0.validated() }
        var owners: Set<String> = []
        for set in all where !owners.insert(set.owner).inserted {
            throw StoreError(.invalidArgument, "two migration sets are owned by \(set.owner)")
        }
        // The first call a process makes: a connection that cannot be made fails here, saying why.
        try await checkConnection()
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Migrations.advisoryLockKey))", logger: logger)
            try await Migrations.moveLedgerFromPublic(connection, logger: logger)
            for statement in Migrations.ledger {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            var recorded: Set<AppliedMigration> = []
            for try await (owner, version) in try await connection.query("SELECT owner, version FROM reprise.reprise_migrations", logger: logger)
                .decode((String, Int).self)
            {
                recorded.insert(AppliedMigration(owner: owner, version: version))
            }
            let searchPath = try await Migrations.searchPath(connection, logger: logger)
            var ran: [AppliedMigration] = []
            for set in all {
                if let schema = set.schema {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
                    if set.isApplied(in: recorded) {
                        try await Migrations.move(set.movedFromPublic, into: schema, connection, logger: logger)
                    }
                }
                try await Migrations.setSearchPath(set.schema ?? searchPath, connection, logger: logger)
                for version in set.versions where !recorded.contains(AppliedMigration(owner: set.owner, version: version.number)) {
                    let applied = AppliedMigration(owner: set.owner, version: version.number)
                    if let engine = version.adoptedFromEngine, recorded.contains(AppliedMigration(owner: MigrationSet.engineOwner, version: engine)) {
                        logger.info(
                            "Migration adopted from the engine's",
                            metadata: ["migration.owner": "\(set.owner)", "migration.version": "\(version.number)", "migration.engine_version": "\(engine)"])
                    } else {
                        for statement in version.sql {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        ran.append(applied)
                    }
                    try await connection.query(
                        "INSERT INTO reprise.reprise_migrations (owner, version) VALUES (\(set.owner), \(version.number))", logger: logger)
                }
            }
            try await Migrations.setSearchPath(searchPath, connection, logger: logger)
            return ran
        }
    }
}
