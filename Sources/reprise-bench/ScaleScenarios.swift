import Foundation
import Logging
import PostgresNIO
import Store
import Subprocess
import Workers
import Workflow

/// Fills the tables the way a long-lived installation does: closed runs with their history, a
/// backlog of tasks on a queue that nobody polls, and timers due tomorrow. The growth scenario re-runs throughput on it.
struct GrowthFixture {
    let closedRuns: Int
    let queuedTasks: Int

    func seed(_ store: Store) async throws {
        try await store.client.query(
            """
            INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, result, start_time,
                close_time, next_event_id)
            SELECT gen_random_uuid(), 'default', 'closed-' || n, 'Steps', 'bench', 'Completed', '10'::jsonb,
                now() - interval '2 days', now() - interval '1 day', 4
            FROM generate_series(1, \(closedRuns)) AS n
            """)
        // Three events per closed run: enough rows for the history table to be large, not a real history.
        try await store.client.query(
            """
            INSERT INTO reprise.history_events (run_id, event_id, event_type, event_time, attributes)
            SELECT e.run_id, k, (ARRAY['WorkflowExecutionStarted', 'WorkflowTaskScheduled', 'WorkflowExecutionCompleted'])[k],
                e.start_time, '{"workflowType":"Steps","taskQueue":"bench"}'::jsonb
            FROM reprise.workflow_executions e CROSS JOIN generate_series(1, 3) AS k
            WHERE e.workflow_id LIKE 'closed-%'
            """)
        try await store.client.query(
            """
            INSERT INTO reprise.workflow_tasks (run_id, namespace, task_queue, workflow_type, scheduled_event_id, visible_at)
            SELECT gen_random_uuid(), 'default', 'elsewhere', 'Steps', 2, now() - interval '1 minute' FROM generate_series(1, \(queuedTasks))
            """)
        try await store.client.query(
            """
            INSERT INTO reprise.activity_tasks (run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, options,
                scheduled_event_id, scheduled_at, visible_at)
            SELECT gen_random_uuid(), '1', 'default', 'queued-' || n, 'Steps', 'elsewhere', 'NoOp', '{"startToCloseTimeout":30}'::jsonb,
                5, now(), now() - interval '1 minute'
            FROM generate_series(1, \(queuedTasks)) AS n
            """)
        // Runs parked on timers due tomorrow: the timer scan must not read them.
        try await store.client.query(
            """
            INSERT INTO reprise.timers (run_id, timer_id, fire_at, started_event_id)
            SELECT gen_random_uuid(), '1', now() + interval '1 day', 5 FROM generate_series(1, \(queuedTasks))
            """)
        // What autovacuum would have done by the time a table had grown this large.
        for table in ["workflow_executions", "history_events", "workflow_tasks", "activity_tasks", "timers"] {
            try await store.client.query(PostgresQuery(unsafeSQL: "VACUUM ANALYZE reprise.\(table)"))
        }
        // And the checkpoint that follows a bulk load, so that the measured run does not pay for
        // writing the seed (full-page images after a checkpoint). Needs a superuser; else skipped.
        _ = try? await store.client.query("CHECKPOINT")
    }

    /// The plans of the engine's hot queries on the grown tables: the dequeues (one (namespace,
    /// type) of a poll, as `FairDequeue` reads it), the timer scan and the reaper's scan. Each must
    /// use an index; a sequential scan grows with the tables.
    static let hotQueries: [(name: String, sql: String)] = [
        (
            "workflow task dequeue",
            """
            SELECT run_id FROM reprise.workflow_tasks WHERE task_queue = 'bench' AND namespace = 'default' AND workflow_type = 'Steps'
                AND visible_at <= now()
            ORDER BY visible_at LIMIT 32 FOR UPDATE SKIP LOCKED
            """
        ),
        (
            "activity task dequeue",
            """
            SELECT run_id, activity_id FROM reprise.activity_tasks WHERE task_queue = 'bench' AND namespace = 'default' AND activity_type = 'NoOp'
                AND lease_owner IS NULL AND visible_at <= now()
            ORDER BY visible_at LIMIT 64 FOR UPDATE SKIP LOCKED
            """
        ),
        ("due timers", "SELECT DISTINCT run_id FROM (SELECT run_id FROM reprise.timers WHERE fire_at <= now() ORDER BY fire_at LIMIT 500) t"),
        (
            "activity reaper",
            """
            SELECT run_id, activity_id FROM reprise.activity_tasks
            WHERE (lease_owner IS NOT NULL AND lease_expires_at <= now()) OR (lease_owner IS NULL AND schedule_to_start_deadline <= now())
               OR schedule_to_close_deadline <= now()
            LIMIT 200
            """
        ),
    ]

    /// The tables that grow; a sequential scan of any of them is a plan that will not scale.
    static let grownTables = ["workflow_executions", "history_events", "workflow_tasks", "activity_tasks", "timers"]

    /// EXPLAIN of each hot query, and the generic plan (the one a prepared statement settles on)
    /// of the batched step and start statements; prints the plans to standard error.
    ///
    /// - Returns: the names of the queries whose plan scans a grown table sequentially.
    static func sequentialScans(_ store: Store) async throws -> [String] {
        var plans: [(name: String, plan: [String])] = []
        for (name, sql) in hotQueries {
            var plan: [String] = []
            for try await line in try await store.client.query(PostgresQuery(unsafeSQL: "EXPLAIN \(sql)")).decode(String.self) {
                plan.append(line)
            }
            plans.append((name, plan))
        }
        try await store.client.withConnection { connection in
            try await connection.query("SET plan_cache_mode = force_generic_plan", logger: store.logger)
            for statement in HotPathStatements.all {
                try await connection.query(PostgresQuery(unsafeSQL: "PREPARE bench_plan AS \(statement.sql)"), logger: store.logger)
                let nulls = Array(repeating: "NULL", count: statement.parameters).joined(separator: ", ")
                var plan: [String] = []
                for try await line in try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN EXECUTE bench_plan(\(nulls))"), logger: store.logger)
                    .decode(String.self)
                {
                    plan.append(line)
                }
                try await connection.query("DEALLOCATE bench_plan", logger: store.logger)
                plans.append((statement.name, plan))
            }
            try await connection.query("RESET plan_cache_mode", logger: store.logger)
        }
        var offenders: [String] = []
        for (name, plan) in plans {
            FileHandle.standardError.write(Data("-- \(name)\n\(plan.joined(separator: "\n"))\n".utf8))
            if plan.contains(where: { line in grownTables.contains { line.contains("Seq Scan on \($0) ") || line.hasSuffix("Seq Scan on \($0)") } }) {
                offenders.append(name)
            }
        }
        return offenders
    }
}

/// Worker memory: the RSS of a worker process of its own, idle, then with runs parked on timers
/// in its run cache.
struct MemoryScenario {
    let databaseURL: String
    let parkedRuns: Int
    let logger: Logger

    func run(_ store: Store) async throws -> [String: JSONValue] {
        let queue = "memory-\(UUID().uuidString.prefix(6))"
        let result = try await Subprocess.run(
            .path("/proc/self/exe"),
            arguments: ["worker-process", "--database-url", databaseURL, "--task-queue", queue, "--run-cache", String(parkedRuns)],
            input: .none, output: .discarded, error: .discarded
        ) { execution -> [String: JSONValue] in
            defer { try? execution.send(signal: .kill) }
            let pid = execution.processIdentifier.value
            try await Task.sleep(for: .seconds(3))  // Started, connected, polling.
            let idle = try Self.residentMegabytes(pid: pid)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for index in stride(from: lane, to: parkedRuns, by: 16) {
                            _ = try await store.startWorkflow(
                                StartWorkflowRequest(
                                    namespace: "default", workflowId: "\(queue)-\(index)", workflowType: Nap.name, taskQueue: queue,
                                    input: .int(3_600_000)), at: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Parked: every run has started its timer, so its workflow task is done.
            while try await parkedCount(store, queue: queue) < parkedRuns {
                try await Task.sleep(for: .milliseconds(200))
            }
            try await Task.sleep(for: .seconds(1))
            let parked = try Self.residentMegabytes(pid: pid)
            return [
                "scenario": .string("memory"), "idle_rss_mb": .double(idle), "parked_runs": .int(Int64(parkedRuns)),
                "parked_rss_mb": .double(parked), "per_parked_run_kb": .double((parked - idle) * 1024 / Double(parkedRuns)),
            ]
        }
        return result.closureResult
    }

    private func parkedCount(_ store: Store, queue: String) async throws -> Int {
        for try await count in try await store.client.query(
            """
            SELECT count(*)::int FROM reprise.timers t JOIN reprise.workflow_executions e USING (run_id)
            WHERE e.task_queue = \(queue) AND NOT EXISTS (SELECT 1 FROM reprise.workflow_tasks w WHERE w.run_id = e.run_id)
            """
        ).decode(Int.self) {
            return count
        }
        return 0
    }

    /// VmRSS of a process, from /proc.
    static func residentMegabytes(pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}

/// `reprise-bench worker-process`: a worker alone in its process, for the memory scenario.
enum WorkerProcess {
    static func run() async throws {
        guard let url = argument("--database-url"), let queue = argument("--task-queue") else {
            throw BenchError("worker-process needs --database-url and --task-queue")
        }
        let logger = Logger(label: "bench-worker", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try Store(url: url, logger: logger)
        var configuration = Worker.Configuration(taskQueue: queue)
        configuration.runCacheSize = Int(argument("--run-cache") ?? "") ?? 1000
        let worker = Worker(
            store: store, configuration: configuration, workflows: WorkflowRegistry([Steps.self, Nap.self]),
            activities: ActivityRegistry([NoOp()]), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            group.addTask { try await worker.run() }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// The value that follows `name` on the command line, if any.
func argument(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    return arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
