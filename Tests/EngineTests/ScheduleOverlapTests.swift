import Foundation
import RepriseTesting
import Schedules
import Store
import Testing
import Workflow

/// Each overlap policy, with a workflow that stays open until it is approved (or canceled).
@Suite("Schedules: overlap policies")
struct ScheduleOverlapTests {
    /// Runs `body` with a schedule `s` of `WaitForApproval` under `policy`, its first tick's run open.
    func withOpenRun(_ policy: ScheduleOverlapPolicy, _ body: (TestEnvironment, String) async throws -> Void) async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self], skipTime: false) { env in
            try await env.createSchedule("s", WaitForApproval.self, input: 86_400 * 365, overlapPolicy: policy)
            let first = try await env.tick("s")
            let id = ScheduleWorkflowAction.workflowId(scheduleId: "s", nominal: first)
            try await env.waitUntil("the first run waits") { try await env.describe(id).historyLength >= 3 }
            try await body(env, id)
        }
    }

    func id(_ nominal: Date) -> String { ScheduleWorkflowAction.workflowId(scheduleId: "s", nominal: nominal) }

    @Test func skipDropsATickWhileTheRunIsOpen() async throws {
        try await withOpenRun(.skip) { env, first in
            try await env.tick("s")
            #expect(try await env.runs(of: "s").map(\.workflowId) == [first])
            #expect(try await env.schedule("s").schedule.overlapSkipped == 1)
        }
    }

    @Test func bufferOneStartsTheLatestTickWhenTheRunCloses() async throws {
        try await withOpenRun(.bufferOne) { env, first in
            try await env.tick("s")
            let third = try await env.tick("s")
            let held = try await env.schedule("s").schedule
            #expect(held.buffered == [third])
            #expect(try await env.runs(of: "s").count == 1)
            try await env.signal(first, "approve", "ok")
            try await env.waitUntil("the buffered tick starts") { try await env.runs(of: "s").count == 2 }
            #expect(try await env.runs(of: "s").map(\.workflowId) == [first, id(third)])
        }
    }

    @Test func bufferAllStartsEveryTickOneAfterAnother() async throws {
        try await withOpenRun(.bufferAll) { env, first in
            let second = try await env.tick("s")
            let third = try await env.tick("s")
            #expect(try await env.schedule("s").schedule.buffered == [second, third])
            try await env.signal(first, "approve", "ok")
            try await env.waitUntil("the second tick starts") { try await env.runs(of: "s").count == 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await env.runs(of: "s").count == 2, "the third waits for the second's run")
            try await env.waitUntil("the second run waits") { try await env.describe(id(second)).historyLength >= 3 }
            try await env.signal(id(second), "approve", "ok")
            try await env.waitUntil("the third tick starts") { try await env.runs(of: "s").count == 3 }
            #expect(try await env.runs(of: "s").map(\.workflowId) == [first, id(second), id(third)])
        }
    }

    @Test func cancelOtherCancelsTheRunThenStartsTheTick() async throws {
        try await withOpenRun(.cancelOther) { env, first in
            let second = try await env.tick("s")
            try await env.waitUntil("the first run is canceled and the tick starts") { try await env.runs(of: "s").count == 2 }
            #expect(try await env.describe(first).status == .canceled)
            #expect(try await env.runs(of: "s").map(\.workflowId) == [first, id(second)])
        }
    }

    @Test func terminateOtherTerminatesTheRunAndStartsAtOnce() async throws {
        try await withOpenRun(.terminateOther) { env, first in
            let second = try await env.tick("s")
            #expect(try await env.describe(first).status == .terminated)
            let runs = try await env.runs(of: "s")
            #expect(runs.map(\.workflowId) == [first, id(second)])
            #expect(runs.last?.status == .running)
        }
    }

    @Test func allowAllStartsBesideTheOpenRun() async throws {
        try await withOpenRun(.allowAll) { env, first in
            let second = try await env.tick("s")
            let runs = try await env.runs(of: "s")
            #expect(runs.map(\.workflowId) == [first, id(second)])
            #expect(runs.allSatisfy { $0.status == .running })
            let running = try await env.schedule("s").runningWorkflows.map(\.workflowId)
            #expect(running == [first, id(second)])
        }
    }
}
