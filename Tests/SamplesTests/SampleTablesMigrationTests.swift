import Foundation
import Logging
import PostgresNIO
import RepriseTesting
@testable import Samples
@testable import Store
import Testing
import Workflow

/// The samples' version 2 (the engine's version 11 before owners) on a database that already has
/// sample rows: they belong to `default`, the demo inventory becomes the shared catalogue, and
/// `default` keeps its stock and bookings.
@Suite("Samples migration 2 (the engine's 11): the sample tables get a namespace")
struct SampleTablesMigrationTests {
    @Test func existingRowsBelongToDefaultAndKeepWorking() async throws {
        let logger = SampleHarness.logger
        try await TestDatabase.with(logger: logger) { database in
            let store = try Store(url: database.url, maximumConnections: 2, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                let client = store.client
                func execute(_ sql: String) async throws { try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).drain() }
                // The schema as it was before version 11, with rows written by the old samples.
                try await LegacySchema.build(through: 10, execute: execute)
                try await execute("INSERT INTO subscriptions (id, customer, status) VALUES ('sub-old', 'cus_1', 'past_due')")
                try await execute("INSERT INTO lead_memory (lead_id, kind, content, write_key) VALUES ('default/lead-old', 'fact', 'Name: Ada', 'old/1')")
                try await execute("UPDATE trip_inventory SET booked = 1 WHERE item_id = 'RP100'")
                try await execute("INSERT INTO trip_bookings (idempotency_key, trip_id, kind, item_id, status) VALUES ('old/1', 't-old', 'flight', 'RP100', 'booked')")

                #expect(
                    try await store.migrate([.samples]) == [
                        AppliedMigration(owner: "engine", version: 12), AppliedMigration(owner: "engine", version: 13),
                        AppliedMigration(owner: "engine", version: 14), AppliedMigration(owner: "engine", version: 15),
                        AppliedMigration(owner: "engine", version: 16), AppliedMigration(owner: "engine", version: 17),
                        AppliedMigration(owner: "engine", version: 18), AppliedMigration(owner: "engine", version: 19),
                        AppliedMigration(owner: "engine", version: 20), AppliedMigration(owner: "engine", version: 21),
                        AppliedMigration(owner: "samples", version: 2),
                    ])
                let subscriptions = try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise_samples.subscriptions WHERE namespace = 'default' AND id = 'sub-old'")
                #expect(subscriptions == 1)
                #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise_samples.lead_memory WHERE namespace = 'default'") == 1)
                #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise_samples.trip_catalogue") == 5)
                #expect(try await SampleHarness.count(store, "SELECT booked FROM reprise_samples.trip_inventory WHERE namespace = 'default' AND item_id = 'RP100'") == 1)

                // The old booking is default's: a cancel in default gives its place back.
                let bookingId = try await SampleHarness.count(store, "SELECT id::int FROM reprise_samples.trip_bookings WHERE trip_id = 't-old'")
                let canceled = try await ActivityContext.$current.withValue(SampleHarness.attempt("1")) {
                    try await CancelTripItem(database: client).run(input: .init(bookingId: Int64(bookingId)))
                }
                #expect(canceled.canceledNow)
                #expect(try await SampleHarness.count(store, "SELECT booked FROM reprise_samples.trip_inventory WHERE namespace = 'default' AND item_id = 'RP100'") == 0)
                // A writer that names no namespace is refused rather than filed under default.
                await #expect(throws: (any Error).self) {
                    try await execute("INSERT INTO reprise_samples.subscriptions (id, customer, status) VALUES ('sub-new', 'cus_2', 'active')")
                }
            }
        }
    }
}
