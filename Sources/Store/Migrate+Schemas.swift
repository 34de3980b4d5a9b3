import Logging
import PostgresNIO

/// The move out of `public` (docs/schemas.md). Released versions created everything in `public`;
/// today each set owns a schema. ``Store/migrate(_:)`` calls these under its advisory lock and in
/// its transaction, so a process that starts during the move waits and then sees it done.
extension Migrations {
    /// The engine's schema, which also holds the ledger and the gateway's tables.
    static let schema = "reprise"

    /// Moves `public.reprise_migrations` into `reprise` when only the former exists. It must come
    /// first: the ledger's `CREATE TABLE IF NOT EXISTS` would otherwise make an empty
    /// `reprise.reprise_migrations`, and every version would run again beside the old tables.
    ///
    /// - Throws: ``StoreError`` `SchemaConflict` when both exist: a Reprise from before the move
    ///   migrated this database after a newer one had moved it, and built its schema in `public`
    ///   again. Which one holds the runs is the operator's call, not ours.
    static func moveLedgerFromPublic(_ connection: PostgresConnection, logger: Logger) async throws {
        var schemas: Set<String> = []
        for try await schema in try await connection.query(
            "SELECT schemaname::text FROM pg_tables WHERE tablename = 'reprise_migrations' AND schemaname IN ('public', \(schema))", logger: logger
        ).decode(String.self) {
            schemas.insert(schema)
        }
        switch (schemas.contains("public"), schemas.contains(schema)) {
        case (true, false):
            logger.info("Migration ledger moves out of public", metadata: ["migration.schema": "\(schema)"])
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE public.reprise_migrations SET SCHEMA \(schema)"), logger: logger)
        case (true, true):
            throw StoreError(
                .schemaConflict,
                """
                both public.reprise_migrations and \(schema).reprise_migrations exist: a Reprise older than the move to schema \
                \(schema) migrated this database after a newer one had moved it; stop the older processes, keep the schema that \
                holds your runs and drop the other (docs/schemas.md)
                """)
        case (false, _):
            return
        }
    }

    /// Moves what a set created in `public` (``MigrationSet/movedFromPublic``) into `schema`,
    /// each object only if it is there.
    static func move(_ objects: MigrationSet.PublicObjects, into schema: String, _ connection: PostgresConnection, logger: Logger) async throws {
        var tables: [String] = []
        for try await table in try await connection.query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename::text = ANY(\(objects.tables)) ORDER BY tablename",
            logger: logger
        ).decode(String.self) {
            tables.append(table)
        }
        // A function is named by its arguments; the identity form is what ALTER FUNCTION takes.
        var functions: [String] = []
        for try await function in try await connection.query(
            """
            SELECT 'public.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.proname::text = ANY(\(objects.functions)) ORDER BY 1
            """,
            logger: logger
        ).decode(String.self) {
            functions.append(function)
        }
        for table in tables {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE public.\(table) SET SCHEMA \(schema)"), logger: logger)
        }
        for function in functions {
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER FUNCTION \(function) SET SCHEMA \(schema)"), logger: logger)
        }
        if !tables.isEmpty || !functions.isEmpty {
            logger.info(
                "Migration moved objects out of public",
                metadata: ["migration.schema": "\(schema)", "migration.tables": "\(tables)", "migration.functions": "\(functions)"])
        }
    }

    /// The transaction's `search_path`, to restore after the sets that set their own.
    static func searchPath(_ connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await path in try await connection.query("SELECT current_setting('search_path')", logger: logger).decode(String.self) {
            return path
        }
        throw StoreError(.invalidArgument, "Postgres returned no search_path")
    }

    /// Sets `search_path` until the migration's transaction ends.
    static func setSearchPath(_ path: String, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT set_config('search_path', \(path), true)", logger: logger)
    }
}

extension MigrationSet {
    /// Whether this database applied the set before: a version recorded under its owner, or an
    /// engine version one of its versions was adopted from.
    func isApplied(in recorded: Set<AppliedMigration>) -> Bool {
        recorded.contains { $0.owner == owner }
            || versions.contains { version in
                version.adoptedFromEngine.map { recorded.contains(AppliedMigration(owner: MigrationSet.engineOwner, version: $0)) } ?? false
            }
    }
}
