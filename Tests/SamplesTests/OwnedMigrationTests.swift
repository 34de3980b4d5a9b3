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
            "SELECT owner, version FROM reprise_migrations ORDER BY owner, version", logger: logger
        ).decode((String, Int).self) {
            rows.append(AppliedMigration(owner: owner, version: version))
        }
        return rows
    }

    static func versions(_ owner: String, _ numbers: [Int]) -> [AppliedMigration] { numbers.map { AppliedMigration(owner: owner, version: $0) } }

    /// The gateway refuses on a spent budget through its function, and a sample table takes a row
    /// of a namespace: both owners' objects are there and current.
    static func expectGatewayAndSamplesWork(_ store: Store, _ execute: (String) async throws -> Void) async throws {
        try await execute("INSERT INTO llm_budgets (namespace, model, period, max_tokens) VALUES ('default', 'capped', 'day', 0)")
        let ledger = GatewayStore(client: store.client, logger: logger)
        let claim = GatewayStore.Claim(
            namespace: "default", model: "capped", tokens: 1, usdNanos: 1, runId: nil, maxRunUSDNanos: nil, maxRunCalls: nil, lifetimeSeconds: 60)
        do {
            _ = try await ledger.reserve(claim, at: Date())
            Issue.record("a spent budget reserved a call")
        } catch GatewayStore.Refusal.budget(.day) {}
        try await execute("INSERT INTO subscriptions (namespace, id, customer, status) VALUES ('default', 'sub-1', 'cus_1', 'active')")
    }

    @Test func aDatabaseMigratedBeforeOwnersKeepsItsVersionsAndRunsOnlyWhatIsNew() async throws {
        try await Self.withStore { store, execute in
            try await LegacySchema.build(through: 11, execute: execute)

            // An engine-only caller (a test environment, a bench) first: it must not lose the
            // gateway's and samples' history for the callers that come later. It runs the engine's
            // version 12 (typed polls, worker heartbeats): numbered past the samples' old 11, which
            // this database records.
            #expect(try await store.migrate() == [AppliedMigration(owner: "engine", version: 12)])
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'worker_heartbeats'") == 1)
            #expect(try await store.migrate([.gateway, .samples]) == [AppliedMigration(owner: "gateway", version: 3), AppliedMigration(owner: "gateway", version: 4)])
            #expect(try await store.migrate([.gateway, .samples]) == [], "a second run applies nothing")

            let recorded = try await Self.recorded(store)
            #expect(
                recorded
                    == Self.versions("engine", [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]) + Self.versions("gateway", [1, 2, 3, 4])
                    + Self.versions("samples", [1, 2]))
            let key = try await SampleHarness.count(
                store,
                "SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'reprise_migrations'::regclass AND conname = 'reprise_migrations_by_owner' AND contype = 'p'"
            )
            #expect(key == 1, "the primary key is (owner, version)")
            try await Self.expectGatewayAndSamplesWork(store, execute)
        }
    }

    @Test func aFreshDatabaseGetsAllThreeSets() async throws {
        try await Self.withStore { store, execute in
            let applied = try await store.migrate([.gateway, .samples])
            #expect(
                applied == Self.versions("engine", [1, 2, 5, 8, 9, 10, 12]) + Self.versions("gateway", [1, 2, 3, 4]) + Self.versions("samples", [1, 2]))
            #expect(try await store.migrate([.gateway, .samples]) == [], "a second run applies nothing")
            try await Self.expectGatewayAndSamplesWork(store, execute)
        }
    }

    @Test func twoSetsOfOneOwnerAreRefusedBeforeAnythingRuns() async throws {
        try await Self.withStore { store, _ in
            await #expect(throws: StoreError.self) { try await store.migrate([.gateway, .gateway]) }
            await #expect(throws: StoreError.self) { try await store.migrate([.engine]) }
            let backwards = MigrationSet(owner: "backwards", versions: [.init(2, []), .init(1, [])])
            await #expect(throws: StoreError.self) { try await store.migrate([backwards]) }
            let tables = try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'reprise_migrations'")
            #expect(tables == 0)
        }
    }
}
