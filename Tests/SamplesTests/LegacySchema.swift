import PostgresNIO
@testable import Gateway
@testable import Samples
@testable import Store

/// The schema as the engine's single list built it before migrations had owners: versions 1 to 11
/// in their old order, recorded in the old `reprise_migrations (version PRIMARY KEY)`. The gateway's
/// and the samples' versions are those engine versions' SQL, moved unchanged.
enum LegacySchema {
    static let versions: [(version: Int, sql: [String])] = [
        (1, Migrations.version1), (2, Migrations.version2), (3, GatewayMigrations.version1), (4, SampleMigrations.version1),
        (5, Migrations.version5), (7, GatewayMigrations.version2), (8, Migrations.version8), (9, Migrations.version9),
        (10, Migrations.version10), (11, SampleMigrations.version2),
    ]

    /// Builds the schema through `last` as the code before owners did.
    static func build(through last: Int, execute: (String) async throws -> Void) async throws {
        try await execute("CREATE TABLE reprise_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        for migration in versions where migration.version <= last {
            for statement in migration.sql { try await execute(statement) }
            try await execute("INSERT INTO reprise_migrations (version) VALUES (\(migration.version))")
        }
    }
}
