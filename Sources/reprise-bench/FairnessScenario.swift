import Foundation
import Logging
import PostgresNIO
import Store
import Workers
import Workflow

/// Fair dequeue (issue 15): one namespace floods a queue with 10,000 runs, then another starts
/// runs one at a time on the same queue name while the flood drains, through one worker that
/// serves both. Measures the quiet namespace's schedule-to-start (its first workflow task's
/// `WorkflowTaskScheduled` to `WorkflowTaskStarted`) and, for scale, how long the flood took to
/// drain: what a task queued behind it would have waited with one queue for all namespaces.
struct FairnessScenario {
    let databaseURL: String
    let quick: Bool
    let logger: Logger
    let flooded = "fair-flood"
    let quiet = "fair-quiet"
    let queue = "fair"

    func run() async throws -> [String: JSONValue] {
        let floodCount = 10_000
        let quietCount = quick ? 50 : 200
        let store = try Store(url: databaseURL, maximumConnections: 40, logger: logger)
        var configuration = Worker.Configuration(taskQueue: queue, namespaces: [flooded, quiet])
        configuration.maxConcurrentWorkflowTasks = 32
        configuration.maxConcurrentActivities = 64
        configuration.identity = "fairness-worker"
        let worker = Worker(
            store: store, configuration: configuration, workflows: WorkflowRegistry([Steps.self]), activities: ActivityRegistry([NoOp()]),
            logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            for namespace in [flooded, quiet] { try? await store.createNamespace(namespace) }
            // The flood is queued before the worker starts, so the quiet runs arrive behind all of it.
            let seeding = ContinuousClock.now
            try await startRuns(store, namespace: flooded, count: floodCount, lanes: 32)
            let seeded = (ContinuousClock.now - seeding).seconds
            let working = ContinuousClock.now
            group.addTask { try await worker.run() }
            while !worker.acceptsEagerStarts { try await Task.sleep(for: .milliseconds(5)) }
            var quietIds: [String] = []
            for index in 0..<quietCount {
                let id = "quiet-\(index)"
                // Through the store, not the worker: a plain start queues its first task for a poll.
                _ = try await store.startWorkflow(start(namespace: quiet, id: id), at: Date())
                quietIds.append(id)
                try await Task.sleep(for: .milliseconds(10))
            }
            let backlog = try await queuedTasks(store, namespace: flooded)
            var waits: [Double] = []
            for id in quietIds {
                let runId = try await closedRun(store, namespace: quiet, id: id)
                let history = try await store.history(runId: runId, limit: 3)
                guard history.count == 3 else { continue }
                waits.append(history[2].eventTime.timeIntervalSince(history[1].eventTime) * 1000)
            }
            waits.sort()
            while try await openRuns(store, namespace: flooded) > 0 { try await Task.sleep(for: .milliseconds(50)) }
            let drained = (ContinuousClock.now - working).seconds
            return [
                "scenario": .string("fairness"), "flood_runs": .int(Int64(floodCount)), "quiet_runs": .int(Int64(waits.count)),
                "quiet_schedule_to_start_p50_ms": .double(percentile(waits, 50)),
                "quiet_schedule_to_start_p99_ms": .double(percentile(waits, 99)), "quiet_schedule_to_start_max_ms": .double(waits.last ?? 0),
                "flood_tasks_queued_after_quiet_starts": .int(Int64(backlog)), "flood_drain_s": .double(drained), "flood_seed_s": .double(seeded),
            ]
        }
    }

    private func start(namespace: String, id: String) -> StartWorkflowRequest {
        StartWorkflowRequest(namespace: namespace, workflowId: id, workflowType: Steps.name, taskQueue: queue, input: .int(1))
    }

    private func startRuns(_ store: Store, namespace: String, count: Int, lanes: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: count, by: lanes) {
                        _ = try await store.startWorkflow(start(namespace: namespace, id: "flood-\(index)"), at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func closedRun(_ store: Store, namespace: String, id: String) async throws -> UUID {
        while true {
            let description = try await store.describe(namespace: namespace, workflowId: id)
            if !description.status.isOpen { return description.runId }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func queuedTasks(_ store: Store, namespace: String) async throws -> Int {
        try await count(store, "SELECT count(*)::bigint FROM reprise.workflow_tasks WHERE namespace = \(namespace)")
    }

    private func openRuns(_ store: Store, namespace: String) async throws -> Int {
        try await count(store, "SELECT count(*)::bigint FROM reprise.workflow_executions WHERE namespace = \(namespace) AND status = 'Running'")
    }

    private func count(_ store: Store, _ query: PostgresQuery) async throws -> Int {
        for try await value in try await store.client.query(query).decode(Int64.self) { return Int(value) }
        return 0
    }
}
