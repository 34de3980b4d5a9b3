import Foundation
import RepriseTesting
import Store
import Testing
import Workflow

/// Counts down by continuing as new, and returns how many runs it took.
struct CountdownChild: Workflow {
    struct Input: Codable, Sendable {
        var left: Int
        var runs = 1
    }

    func run(context: WorkflowContext, input: Input) async throws -> String {
        guard input.left > 0 else { return "done after \(input.runs) runs" }
        try await context.continueAsNew(input: Input(left: input.left - 1, runs: input.runs + 1))
    }
}

/// Awaits a child that continues as new.
struct CountdownParent: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        try await context.executeChild(CountdownChild.self, .init(left: input), options: .init(workflowId: "countdown"))
    }
}

/// Starts a waiting child, then continues as new once: the continue-as-new closes the run, so
/// the child follows its parent close policy.
struct ContinuingParent: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> String {
        guard input == 0 else { return "second run" }
        _ = try await context.startChild(ChildWaiter.self, "", options: .init(workflowId: "left-behind", parentClosePolicy: .terminate))
        try await context.continueAsNew(input: 1)
    }
}

@Suite("Child workflows that continue as new, and parents that do")
struct ContinuedChildTests {
    static let workflows: [any Workflow.Type] = [CountdownChild.self, CountdownParent.self, ContinuingParent.self, ChildWaiter.self]

    @Test func aChildThatContinuesAsNewReportsItsChainsLastResultToItsParent() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(CountdownParent.self, id: "parent", input: 3)
            #expect(try await env.result(CountdownParent.self, id: "parent") == "done after 4 runs")
            let child = try await env.describe("countdown")
            #expect(child.status == .completed && child.continuedExecutionRunId != nil)
            // Every run of the chain names the parent; only the last one's close reached it.
            guard case .workflowExecutionStarted(let started)? = try await env.history("countdown").first?.attributes else {
                Issue.record("the last run's history does not begin with WorkflowExecutionStarted")
                return
            }
            #expect(started.parentWorkflowId == "parent")
            let closes = try await env.history("parent").filter { $0.eventType == .childWorkflowExecutionCompleted }
            #expect(closes.count == 1)
            #expect(try await env.describe("parent").pendingChildren.isEmpty)
        }
    }

    @Test func aParentThatContinuesAsNewAppliesItsChildrensClosePolicy() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ContinuingParent.self, id: "continuing", input: 0)
            #expect(try await env.result(ContinuingParent.self, id: "continuing") == "second run")
            #expect(try await env.waitForClose("left-behind").status == .terminated)
        }
    }
}
