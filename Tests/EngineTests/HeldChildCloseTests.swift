import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workflow

@testable import Store

/// A child's close never waits for its parent's row: while another transaction holds it, the
/// close's event is held, and the lease reaper delivers it once the row is free.
@Suite("Child workflows: a close held for a busy parent")
struct HeldChildCloseTests {
    /// Holds the parent's row as a transition does (`FOR NO KEY UPDATE`) until `release` is set.
    private func holdRow(_ env: TestEnvironment, runId: UUID, locked: Shared<Bool>, release: Shared<Bool>) async throws {
        try await env.store.client.withTransaction(logger: env.logger) { connection in
            try await connection.query("SELECT 1 FROM reprise.workflow_executions WHERE run_id = \(runId) FOR NO KEY UPDATE", logger: env.logger)
            locked.update { $0 = true }
            while !release.value { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    private func heldEvents(_ env: TestEnvironment, runId: UUID) async throws -> Int {
        let rows = try await env.store.client.query("SELECT count(*)::int FROM reprise.buffered_events WHERE run_id = \(runId)", logger: env.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    private func workflowTasks(_ env: TestEnvironment, runId: UUID) async throws -> Int {
        let rows = try await env.store.client.query("SELECT count(*)::int FROM reprise.workflow_tasks WHERE run_id = \(runId)", logger: env.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @Test func aChildClosesWhileItsParentsRowIsHeldAndTheParentHearsOnceItIsFree() async throws {
        try await TestEnvironment.run(workflows: ChildWorkflowTests.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "awaitWaiter"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            let parentRunId = try await env.describe("parent").runId
            try await env.waitUntil("the parent has no workflow task") { try await workflowTasks(env, runId: parentRunId) == 0 }
            let before = try await env.describe("parent").historyLength
            let (locked, release) = (Shared(false), Shared(false))
            async let held: Void = holdRow(env, runId: parentRunId, locked: locked, release: release)
            try await env.waitUntil("the parent's row is held") { locked.value }

            try await env.signal("kid", "go", "done")
            // With the parent's row held, the child still closes: it does not queue behind it.
            try await env.waitUntil("the child closed") { try await env.describe("kid").status == .completed }
            #expect(try await heldEvents(env, runId: parentRunId) == 1)
            #expect(try await env.describe("parent").historyLength == before)

            release.update { $0 = true }
            try await held
            #expect(try await env.result(ChildParent.self, id: "parent") == "done")
            #expect(try await heldEvents(env, runId: parentRunId) == 0)
            let completions = try await env.history("parent").filter { $0.eventType == .childWorkflowExecutionCompleted }
            #expect(completions.count == 1)
        }
    }
}
