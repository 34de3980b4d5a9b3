import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workflow

@testable import Store

/// The typed poll stays index-friendly (issue 18): on a queue where tens of thousands of ready
/// tasks of another type wait, a poll for the worker's type reads only its own rows, through the
/// ready index, and leases only them.
@Suite("Typed polls use the ready index")
struct TypedPollPlanTests {
    @Test func aPollForOneTypeReadsNoRowOfTheOthersOnTheSameQueue() async throws {
        try await TestEnvironment.run(workflows: [], startWorker: false, skipTime: false) { env in
            for n in 0..<3 {
                try await env.store.startWorkflow(
                    StartWorkflowRequest(workflowId: "mine-\(n)", workflowType: AlphaFlow.name, taskQueue: env.taskQueue, input: .string("x")),
                    at: env.clock.now)
            }
            try await env.store.client.query(
                """
                INSERT INTO reprise.workflow_tasks (run_id, namespace, task_queue, workflow_type, scheduled_event_id, visible_at)
                SELECT gen_random_uuid(), 'default', \(env.taskQueue), 'Other', 2, now() - interval '1 hour' FROM generate_series(1, 50000)
                """, logger: env.logger)
            try await env.store.client.query("ANALYZE reprise.workflow_tasks", logger: env.logger)

            let poll = WorkflowTasksTable.Poll(
                now: env.clock.now.addingTimeInterval(60), taskQueue: env.taskQueue, namespaces: ["default"], workflowTypes: [AlphaFlow.name],
                limit: 16, leaseUntil: env.clock.now.addingTimeInterval(120), owner: "probe")
            var plan: [String] = []
            let explain = PostgresQuery(
                unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + WorkflowTasksTable.Poll.sql, binds: try poll.makeBindings())
            for try await line in try await env.store.client.query(explain, logger: env.logger).decode(String.self) { plan.append(line) }
            let text = plan.joined(separator: "\n")
            let scan = try #require(plan.first { $0.contains("Index Scan using workflow_tasks_ready on workflow_tasks ") }, "\(text)")
            #expect(scan.contains("rows=3 loops=1"), "the index scan read only the three rows of the type: \(text)")
            #expect(!text.contains("Seq Scan on workflow_tasks"), "\(text)")
            #expect(!text.contains("Rows Removed by Filter"), "no row of another type was read and dropped: \(text)")
            #expect(plan.first?.contains("rows=3") == true, "the three were leased: \(text)")
        }
    }
}
