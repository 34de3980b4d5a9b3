import Foundation
import RepriseTesting
import Testing
import TestSupport
import Workflow

/// Starts a `Waiter` child that it abandons, then waits for a signal of its own.
struct WaiterParent: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        _ = try await context.startChild(Waiter.self, input, options: .init(workflowId: "\(input)-kid", parentClosePolicy: .abandon))
        return try await context.waitForSignal("approve", as: String.self) ?? ""
    }
}

@Suite("describe: pending children")
struct PendingChildrenTests {
    @Test func describeListsPendingChildrenOverHTTPAndInTheCLIAndShowNamesThem() async throws {
        try await APIHarness.run(workflows: [WaiterParent.self, Waiter.self]) { api in
            let reprise = CLI(port: api.client.port!, token: api.adminToken)
            #expect(try await reprise("workflow", "start", "--type", "WaiterParent", "--workflow-id", "p-1", "--input", #""p-1""#).code == 0)
            try await api.env.waitUntil("the child started") { try await api.env.describe("p-1").pendingChildren.count == 1 }
            let described = try await reprise("workflow", "describe", "p-1", "-o", "json")
            let child = described.json["pendingChildren"]?.arrayValue.first
            #expect(child?["workflowId"] == .string("p-1-kid"))
            #expect(child?["type"] == .string("Waiter"))
            #expect(child?["parentClosePolicy"] == .string("Abandon"))
            #expect(child?["runId"] == .string(try await api.env.describe("p-1-kid").runId.uuidString))
            #expect(child?["initiatedEventId"] == .int(5))
            let text = try await reprise("workflow", "describe", "p-1")
            #expect(text.out.contains("Pending children") && text.out.contains("p-1-kid") && text.out.contains("Abandon"))
            let shown = try await reprise("workflow", "show", "p-1")
            #expect(shown.out.contains("StartChildWorkflowExecutionInitiated") && shown.out.contains("child=p-1-kid workflowType=Waiter"))
            // Closed, the child is no longer pending.
            try await api.env.signal("p-1-kid", "approve", "ok")
            try await api.env.waitUntil("the child is gone from describe") { try await api.env.describe("p-1").pendingChildren.isEmpty }
            let after = try await reprise("workflow", "describe", "p-1", "-o", "json")
            #expect(after.json["pendingChildren"] == .array([]))
        }
    }
}
