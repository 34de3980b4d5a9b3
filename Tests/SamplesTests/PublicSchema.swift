import PostgresNIO
@testable import Gateway
@testable import Samples
@testable import Store

/// The schema as the released versions built it before each set had a Postgres schema of its own
/// (up to commit 7dbb347): every set's tables and functions in `public`, and the ledger
/// `public.reprise_migrations` keyed by (owner, version). The versions are the released ones,
/// listed here rather than taken from today's sets, which have grown since.
enum PublicSchema {
    static let ledger = """
        CREATE TABLE reprise_migrations (
            owner text NOT NULL DEFAULT 'engine',
            version int NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT reprise_migrations_by_owner PRIMARY KEY (owner, version)
        )
        """

    static let released: [(owner: String, versions: [(number: Int, sql: [String])])] = [
        (
            "engine",
            [
                (1, Migrations.version1), (2, Migrations.version2), (5, Migrations.version5), (8, Migrations.version8), (9, Migrations.version9),
                (10, Migrations.version10),
            ]
        ),
        ("gateway", [(1, GatewayMigrations.version1), (2, GatewayMigrations.version2), (3, GatewayMigrations.version3), (4, GatewayMigrations.version4)]),
        ("samples", [(1, SampleMigrations.version1), (2, SampleMigrations.version2)]),
    ]

    /// Builds that schema with `execute`, which must run on a connection whose `search_path` is
    /// the default one (`public`), as the released code's was.
    static func build(execute: (String) async throws -> Void) async throws {
        try await execute(ledger)
        for set in released {
            for version in set.versions {
                for statement in version.sql { try await execute(statement) }
                try await execute("INSERT INTO reprise_migrations (owner, version) VALUES ('\(set.owner)', \(version.number))")
            }
        }
    }
}
