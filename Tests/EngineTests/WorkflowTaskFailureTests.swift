import Foundation
import PostgresNIO
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// Issue 15: every workflow-task failure backs off and counts, so a run that keeps failing, or
/// keeps crashing its worker, reaches `Paused` instead of looping for ever.
@Suite("Workflow-task failures count")
struct WorkflowTaskFailureTests {
    static func attempt(_ env: TestEnvironment, _ runId: UUID) async throws -> Int? {
        for try await attempt in try await env.store.client.query(
            "SELECT attempt FROM reprise.workflow_tasks WHERE run_id = \(runId) AND lease_token IS NULL", logger: env.logger
        ).decode(Int.self) { return attempt }
        return nil
    }

    /// A worker takes the run's workflow task and dies: the task is leased, and the lease runs out.
    static func leaseToADeadWorker(_ env: TestEnvironment, _ runId: UUID) async throws {
        try await env.store.client.query(
            """
            UPDATE reprise.workflow_tasks SET lease_owner = 'dead-worker', lease_token = gen_random_uuid(),
                visible_at = \(env.clock.now.addingTimeInterval(10))
            WHERE run_id = \(runId) AND lease_token IS NULL
            """, logger: env.logger)
    }

    @Test func aWorkflowTaskWhoseLeaseKeepsExpiringPausesItsRunWhileAnotherRunCompletes() async throws {
        let log = CallLog()
        try await TestEnvironment.run(
            workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false, skipTime: false,
            configure: { $0.maxWorkflowTaskAttempts = 3 }
        ) { env in
            let crashing = try await env.start(ThreeSteps.self, id: "crashing", input: "c").runId
            try await Self.leaseToADeadWorker(env, crashing)
            let worker = env.launchWorker(identity: "live-worker").worker
            for attempt in 1...3 {
                // The lease expires; the live worker's poll takes the task over and counts the attempt.
                env.clock.advance(by: .seconds(11))
                worker.wake()
                if attempt < 3 {
                    try await env.waitUntil("attempt \(attempt) counts and the task backs off") { try await Self.attempt(env, crashing) == attempt + 1 }
                    try await Self.leaseToADeadWorker(env, crashing)
                }
                if attempt == 1 {
                    // Meanwhile another run on the same queue completes.
                    try await env.start(ThreeSteps.self, id: "healthy", input: "h")
                    #expect(try await env.result(ThreeSteps.self, id: "healthy") == ["hello h-one", "hello h-two", "hello h-three"])
                }
            }
            try await env.waitUntil("the run is paused") { try await env.describe("crashing").status == .paused }
            let description = try await env.describe("crashing")
            #expect(description.taskFailure?.attempt == 3)
            #expect(description.taskFailure?.failure.type == "WorkflowTaskError.LeaseExpired")
            #expect(description.taskFailure?.failure.message.contains("expired without a result") == true)
            #expect(description.taskFailure?.failure.message.contains("dead-worker") == true)
            #expect(log.count("Greet:c-one") == 0)
            let failed = try await env.history("crashing").compactMap { event -> String? in
                if case .workflowTaskFailed(let attributes) = event.attributes { return attributes.cause }
                return nil
            }
            #expect(failed == ["LeaseExpired", "LeaseExpired", "LeaseExpired"])
        }
    }

    @Test func aHistoryThatCannotBeDecodedBacksOffCountsAndPauses() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, configure: { $0.maxWorkflowTaskAttempts = 3 }) { env in
            let start = env.clock.now
            let runId = try await env.start(ThreeSteps.self, id: "undecodable", input: "u").runId
            // Not a WorkflowTaskError: the worker's history read throws a DecodingError. It used to
            // give the task back at once, attempt 1 for ever, in a loop that never paused.
            try await env.store.client.query(
                "UPDATE reprise.history_events SET attributes = '\"not an object\"'::jsonb WHERE run_id = \(runId) AND event_id = 1", logger: env.logger)
            env.launchWorker()
            try await env.waitUntil("the run is paused") { try await env.describe("undecodable").status == .paused }
            let description = try await env.describe("undecodable")
            #expect(description.taskFailure?.attempt == 3)
            #expect(description.taskFailure?.failure.type == "WorkflowTaskError.WorkerFailure")
            #expect(description.taskFailure?.failure.message.contains("DecodingError") == true, "\(String(describing: description.taskFailure))")
            // Backoff 1 s then 2 s between the attempts.
            #expect(env.clock.now.timeIntervalSince(start) >= 3)
        }
    }
}
