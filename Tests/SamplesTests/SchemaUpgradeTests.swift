import Foundation
import Logging
import PostgresNIO
import RepriseTesting
@testable import Gateway
@testable import Samples
@testable import Store
import Testing
import Workflow

/// A database from before the schemas (everything in `public`) upgrades in place: its rows move
/// into `reprise` and `reprise_samples` and the engine goes on with its runs.
@Suite("Schemas by owner: a database with everything in public upgrades in place")
struct SchemaUpgradeTests {
    static let logger = SampleHarness.logger
    /// The queue the greeting activity waits on: no worker polls it, so it stays pending.
    static let heldQueue = "held"

    /// Sleeps an hour: its run waits on a timer.
    struct UpgradeSleeper: Workflow {
        func run(context: WorkflowContext, input: String) async throws -> String {
            try await context.sleep(for: .seconds(3600))
            return "slept \(input)"
        }
    }

    /// Greets through an activity on ``heldQueue``: its run waits on an activity task.
    struct UpgradeGreeter: Workflow {
        func run(context: WorkflowContext, input: String) async throws -> String {
            try await context.execute(HeldGreet.self, input, options: ActivityOptions(taskQueue: SchemaUpgradeTests.heldQueue, startToCloseTimeout: .seconds(60)))
        }
    }

    struct HeldGreet: Activity {
        func run(input: String) async throws -> String { "hello \(input)" }
    }

    /// The engine's tables, in an order that loads: history before the runs (its trigger adds
    /// each event's size to its run, and the copied runs carry their size already), the runs
    /// before what refers to them.
    static let engineTables = [
        "namespaces", "history_events", "workflow_executions", "workflow_tasks", "activity_tasks", "timers", "dead_letters", "api_tokens", "request_ids",
    ]

    /// What the engine wrote before the upgrade: each engine table's rows as JSON, and a token.
    struct EngineRows: Sendable {
        var tables: [String: String]
        var token: String
    }

    static func execute(_ store: Store, _ sql: String) async throws {
        try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: logger).drain()
    }

    /// Runs the two workflows with today's engine until one waits on its timer and the other on
    /// its activity task, and takes the engine's rows.
    static func engineRowsMidRun() async throws -> EngineRows {
        try await TestEnvironment.run(
            workflows: [UpgradeSleeper.self, UpgradeGreeter.self], skipTime: false, migrations: [.gateway, .samples], logger: logger
        ) { env in
            try await env.store.createNamespace("tenant-a", retentionDays: 3)
            let token = try await env.store.createToken(namespace: "tenant-a", role: .writer)
            try await env.start(UpgradeSleeper.self, id: "sleeper", input: "Ada")
            try await env.start(UpgradeGreeter.self, id: "greeter", input: "Ada")
            try await env.waitUntil("a timer and an activity task wait, and no workflow task") {
                let timers = try await SampleHarness.count(env.store, "SELECT count(*)::int FROM reprise.timers")
                let activities = try await SampleHarness.count(env.store, "SELECT count(*)::int FROM reprise.activity_tasks")
                let workflowTasks = try await SampleHarness.count(env.store, "SELECT count(*)::int FROM reprise.workflow_tasks")
                return timers == 1 && activities == 1 && workflowTasks == 0
            }
            var tables: [String: String] = [:]
            for table in engineTables {
                for try await rows in try await env.store.client.query(
                    PostgresQuery(unsafeSQL: "SELECT COALESCE(json_agg(t), '[]')::text FROM reprise.\(table) t"), logger: logger
                ).decode(String.self) {
                    tables[table] = rows
                }
            }
            return EngineRows(tables: tables, token: token)
        }
    }

    @Test func rowsSurviveAndRunsComplete() async throws {
        let rows = try await Self.engineRowsMidRun()
        try await TestEnvironment.run(
            workflows: [UpgradeSleeper.self, UpgradeGreeter.self], startWorker: false, migrations: [.gateway, .samples], logger: Self.logger
        ) { env in
            let store = env.store
            // The environment migrated a fresh database; put today's layout in its place.
            try await Self.execute(store, "DROP SCHEMA reprise CASCADE")
            try await Self.execute(store, "DROP SCHEMA reprise_samples CASCADE")
            try await PublicSchema.build { try await Self.execute(store, $0) }
            for table in Self.engineTables {
                try await store.client.query(
                    """
                    INSERT INTO \(unescaped: "public.\(table)") SELECT * FROM json_populate_recordset(NULL::\(unescaped: "public.\(table)"), \(rows.tables[table] ?? "[]")::json)
                    ON CONFLICT DO NOTHING
                    """, logger: Self.logger
                ).drain()
            }
            try await Self.execute(
                store,
                """
                INSERT INTO llm_ledger (namespace, tenant, workflow_id, task_class, route, outcome, usd_nanos)
                VALUES ('default', 'default', 'greeter', 'chat', 'direct', 'ok', 1200)
                """)
            try await Self.execute(
                store,
                """
                INSERT INTO llm_reservations (namespace, model, run_id, day, month, tokens, usd_nanos, expires_at)
                VALUES ('default', 'capped', 'run-old', current_date, date_trunc('month', current_date), 10, 100, now() + interval '1 hour')
                """)
            try await Self.execute(store, "INSERT INTO subscriptions (namespace, id, customer, status) VALUES ('default', 'sub-old', 'cus_0', 'active')")
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public'") == 25, "today's layout")

            let applied = try await store.migrate([.gateway, .samples])
            #expect(
                applied == [
                    AppliedMigration(owner: "engine", version: 12), AppliedMigration(owner: "engine", version: 13),
                    AppliedMigration(owner: "engine", version: 14), AppliedMigration(owner: "engine", version: 15),
                    AppliedMigration(owner: "engine", version: 16), AppliedMigration(owner: "engine", version: 17),
                    AppliedMigration(owner: "engine", version: 18), AppliedMigration(owner: "engine", version: 19),
                    AppliedMigration(owner: "engine", version: 20), AppliedMigration(owner: "engine", version: 21),
                    AppliedMigration(owner: "gateway", version: 5),
                ])

            // Nothing is left in public; every set's objects are in its schema.
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public'") == 0)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'public'::regnamespace") == 0)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'reprise'") == 22)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'reprise_samples'") == 9)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise.reprise_migrations") == 11 + 10 + 2, "engine 12 to 21 and gateway 5 recorded")

            // The rows survived.
            for table in Self.engineTables {
                let before = try await SampleHarness.count(store, "SELECT json_array_length(\(rows.tables[table] ?? "[]")::json)")
                #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM \(unescaped: "reprise.\(table)")") == before, "\(table)")
            }
            #expect(try await store.grant(forToken: rows.token)?.namespace == "tenant-a")
            #expect(try await store.namespaces().contains { $0.name == "tenant-a" && $0.retentionDays == 3 })
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise.llm_ledger WHERE workflow_id = 'greeter'") == 1)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise.llm_reservations WHERE run_id = 'run-old'") == 1)
            #expect(try await SampleHarness.count(store, "SELECT count(*)::int FROM reprise_samples.subscriptions WHERE id = 'sub-old'") == 1)
            // The gateway's function works (its own search_path pinned, gateway version 5), and
            // the moved sequences go on from where they were.
            try await OwnedMigrationTests.expectGatewayAndSamplesWork(store) { try await Self.execute(store, $0) }
            try await Self.execute(store, "INSERT INTO reprise.llm_ledger (namespace, tenant, task_class, route, outcome) VALUES ('default', 'default', 'chat', 'direct', 'ok')")
            #expect(try await SampleHarness.count(store, "SELECT max(id)::int FROM reprise.llm_ledger") == 2)

            // The engine goes on: the activity completes, the timer fires, both runs complete,
            // their new history counted by the trigger's function (engine version 13).
            let tasks = try await store.pollActivityTasks(taskQueue: Self.heldQueue, activityTypes: [HeldGreet.name], owner: "upgrade-test", limit: 1, at: env.clock.now)
            try #require(tasks.count == 1)
            try await store.completeActivity(tasks[0], result: try Payload(encoding: "hello Ada"), identity: "upgrade-test", at: env.clock.now)
            env.launchWorker()
            #expect(try await env.result(UpgradeGreeter.self, id: "greeter") == "hello Ada")
            #expect(try await env.result(UpgradeSleeper.self, id: "sleeper") == "slept Ada")
            let counted = try await SampleHarness.count(
                store,
                """
                SELECT count(*)::int FROM reprise.workflow_executions e
                WHERE history_bytes = (SELECT sum(octet_length(attributes::text)) FROM reprise.history_events h WHERE h.run_id = e.run_id)
                """)
            #expect(counted == 2, "each run's history size counts the events written before and after the upgrade")
        }
    }
}
