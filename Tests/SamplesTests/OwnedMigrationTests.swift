import Foundation
import Logging
import PostgresNIO
import RepriseTesting
@testable import Gateway
@testable import Samples
@testable import Store
import Testing

/// Migrations keyed by owner: the engine, the gateway and the samples each apply their own
/// versions, and a database migrated while the engine's list held every table keeps what it has.
@Suite("Migrations by owner")
struct OwnedMigrationTests {
    static let logger = SampleHarness.logger

    /// A store on a fresh database, with `execute` for raw SQL.
    static func withStore(_ body: (Store, (String) async throws -> Void) async throws -> Void) async throws {
        try await TestDatabase.with(logger: logger) { database in
            let store = try Store(url: database.url, maximumConnections: 2, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await body(store) { sql in try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: logger).drain() }
            }
        }
    }

    static func recorded(_ store: Store) async throws -> [AppliedMigration] {
        var rows: [AppliedMigration] = []
        for try await (owner, version) in try await store.client.query(
            "SELECT owner, version FROM reprise.reprise_migrations ORDER BY owner, version", logger: logger
        ).decode((String, Int).self) {
            rows.append(AppliedMigration(owner: owner, version: version))
        }
        return rows
    }

    static func versions(_ owner: String, _ numbers: [Int]) -> [AppliedMigration] { numbers.map { AppliedMigration(owner: owner, version: $0) } }

    /// The gateway refuses on a spent budget through its function, and a sample table takes a row
    /// of a namespace: both owners' objects are there and current.
    static func expectGatewayAndSamplesWork(_ store: Store, _ execute: (String) async throws -> Void) async throws {
        try await execute("INSERT INTO reprise.llm_budgets (namespace, model, period, max_tokens) VALUES ('default', 'capped', 'day', 0)")
        let ledger = GatewayStore(client: store.client, logger: logger)
        let claim = GatewayStore.Claim(
            namespace: "default", model: "capped", tokens: 1, usdNanos: 1, runId: nil, maxRunUSDNanos: nil, maxRunCalls: nil, lifetimeSeconds: 60)
        do {
            _ = try await ledger.reserve(claim, at: Date())
            Issue.record("a spent budget reserved a call")
        } catch GatewayStore.Refusal.budget(.day) {}
        try await execute("INSERT INTO reprise_samples.subscriptions (namespace, id, customer, status) VALUES ('default', 'sub-1', 'cus_1', 'active')")
    }

    @Test func aDatabaseMigratedBeforeOwnersKeepsItsVersionsAndRunsOnlyWhatIsNew() async throws {
        try await Self.withStore { store, execute in
            try await LegacySchema.build(through: 11, execute: execute)

            // An engine-only caller (a test environment, a bench) first: it must not lose the
            // gateway's and samples' history for the callers that come later. It runs the engine's
            // version 12 (typed polls, worker heartbeats; numbered past the samples' old 11, which
            // this database records), 13, 14 (continue-as-new), 15 (child workflows), 16 (schedules), 17 (search attributes), 18 (queries and updates), 19 (webhooks), 20 and 21.
            #expect(try await store.migrate() == Self.versions("engine", [12, 13, 14, 15, 16, 17, 18, 19, 20, 21]))
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'reprise' AND tablename = 'worker_heartbeats'") == 1)
            #expect(try await store.migrate([.gateway, .samples]) == Self.versions("gateway", [3, 4, 5]))
            #expect(try await store.migrate([.gateway, .samples]) == [], "a second run applies nothing")

            let recorded = try await Self.recorded(store)
            #expect(
                recorded
                    == Self.versions("engine", [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) + Self.versions("gateway", [1, 2, 3, 4, 5])
                    + Self.versions("samples", [1, 2]))
            let key = try await SampleHarness.count(
                store,
                "SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'reprise.reprise_migrations'::regclass AND conname = 'reprise_migrations_by_owner' AND contype = 'p'"
            )
            #expect(key == 1, "the primary key is (owner, version)")
            try await Self.expectGatewayAndSamplesWork(store, execute)
            #expect(try await Self.tablesBySchema(store) == ["reprise": 22, "reprise_samples": 9], "nothing left in public")
        }
    }

    @Test func aFreshDatabaseGetsAllThreeSets() async throws {
        try await Self.withStore { store, execute in
            let applied = try await store.migrate([.gateway, .samples])
            #expect(
                applied == Self.versions("engine", [1, 2, 5, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) + Self.versions("gateway", [1, 2, 3, 4, 5]) + Self.versions("samples", [1, 2]))
            #expect(try await store.migrate([.gateway, .samples]) == [], "a second run applies nothing")
            try await Self.expectGatewayAndSamplesWork(store, execute)
        }
    }

    /// The schemas that hold tables, with how many each holds.
    static func tablesBySchema(_ store: Store) async throws -> [String: Int] {
        var schemas: [String: Int] = [:]
        for try await (schema, count) in try await store.client.query(
            "SELECT schemaname::text, count(*)::int FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') GROUP BY 1", logger: logger
        ).decode((String, Int).self) {
            schemas[schema] = count
        }
        return schemas
    }

    @Test func eachSetCreatesItsTablesInItsOwnSchema() async throws {
        try await Self.withStore { store, _ in
            try await store.migrate()
            #expect(try await Self.tablesBySchema(store) == ["reprise": 16], "the engine's fifteen tables and the ledger; nothing in public")
            try await store.migrate([.gateway])
            #expect(try await Self.tablesBySchema(store) == ["reprise": 22], "what `reprise server` migrates: only reprise.*")
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_namespace WHERE nspname = 'reprise_samples'") == 0)
            try await store.migrate([.gateway, .samples])
            #expect(try await Self.tablesBySchema(store) == ["reprise": 22, "reprise_samples": 9])
        }
    }

    @Test func aUsersOwnTablesInPublicAreNeverMoved() async throws {
        try await Self.withStore { store, execute in
            // Tables of the user's that share names with Reprise's, on a database Reprise never migrated.
            try await execute("CREATE TABLE public.timers (id int)")
            try await execute("CREATE TABLE public.subscriptions (id int)")
            try await execute("CREATE TABLE public.llm_ledger (id int)")
            try await store.migrate([.gateway, .samples])
            #expect(try await Self.tablesBySchema(store) == ["public": 3, "reprise": 22, "reprise_samples": 9])
        }
    }

    @Test func aLedgerInBothSchemasIsRefusedWithWhatToDo() async throws {
        try await Self.withStore { store, execute in
            try await store.migrate()
            // What a Reprise from before the schemas leaves when it migrates after a newer one.
            try await execute(PublicSchema.ledger)
            do {
                try await store.migrate()
                Issue.record("a second ledger in public was ignored")
            } catch let error as StoreError {
                #expect(error.code == .schemaConflict)
                #expect(error.message.contains("public.reprise_migrations") && error.message.contains("drop the other"), "\(error.message)")
            }
        }
    }

    @Test func twoSetsOfOneOwnerAreRefusedBeforeAnythingRuns() async throws {
        try await Self.withStore { store, _ in
            await #expect(throws: StoreError.self) { try await store.migrate([.gateway, .gateway]) }
            await #expect(throws: StoreError.self) { try await store.migrate([.engine]) }
            let backwards = MigrationSet(owner: "backwards", versions: [.init(2, []), .init(1, [])])
            await #expect(throws: StoreError.self) { try await store.migrate([backwards]) }
            let quoted = MigrationSet(owner: "quoted", schema: "x; DROP SCHEMA reprise", versions: [.init(1, [])])
            await #expect(throws: StoreError.self) { try await store.migrate([quoted]) }
            let movedQuoted = MigrationSet(owner: "quoted", schema: "mine", versions: [], movedFromPublic: .init(tables: ["Timers"]))
            await #expect(throws: StoreError.self) { try await store.migrate([movedQuoted]) }
            let tables = try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'reprise_migrations'")
            #expect(tables == 0)
        }
    }
}
