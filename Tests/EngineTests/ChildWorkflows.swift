import Foundation
import Workflow

/// The children of the child-workflow tests.
struct ChildEcho: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        if input == "fail" { throw ApplicationFailure("card declined", type: "PaymentDeclined", nonRetryable: true) }
        return "echo \(input)"
    }
}

/// Waits for a `go` signal and returns its payload; canceled, it ends `Canceled`.
struct ChildWaiter: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.waitForSignal("go", as: String.self) ?? ""
    }
}

/// What a parent test asks for: the child's id and input, and what to do with it.
struct ChildPlan: Codable, Sendable {
    var childId: String?
    var childInput = "hi"
    var policy: ParentClosePolicy = .terminate
    /// `execute`: await the result, failures caught; `uncaught`: let a failure escape;
    /// `startThenClose`: start a waiter and complete; `startThenWait`: start a waiter and wait for a
    /// signal that never comes; `signal`/`cancel`: through the handle, then await the result;
    /// `twice`: start two children with one id (`twiceAtOnce`: in one workflow task); `three`: start three waiters; `awaitWaiter`: await a waiter; `timeout`: a waiter with a 60 s execution timeout.
    var mode = "execute"
}

struct ChildParent: Workflow {
    func run(context: WorkflowContext, input: ChildPlan) async throws -> String {
        let options = ChildWorkflowOptions(workflowId: input.childId, parentClosePolicy: input.policy)
        do {
            switch input.mode {
            case "uncaught":
                return try await context.executeChild(ChildEcho.self, input.childInput, options: options)
            case "startThenClose":
                let handle = try await context.startChild(ChildWaiter.self, "", options: options)
                return handle.runId
            case "startThenWait":
                _ = try await context.startChild(ChildWaiter.self, "", options: options)
                _ = try await context.waitForSignal("never", as: String.self)
                return "signaled"
            case "signal":
                let handle = try await context.startChild(ChildWaiter.self, "", options: options)
                try await handle.signal("go", "from parent")
                return try await handle.result()
            case "cancel":
                let handle = try await context.startChild(ChildWaiter.self, "", options: options)
                try await handle.cancel()
                return try await handle.result()
            case "three":
                for _ in 0..<3 { _ = try await context.startChild(ChildWaiter.self, "", options: options) }
                return "three started"
            case "twiceAtOnce":
                async let first = context.startChild(ChildWaiter.self, "", options: options)
                async let second = context.startChild(ChildWaiter.self, "", options: options)
                _ = try await (first, second)
                return "both started"
            case "twice":
                _ = try await context.startChild(ChildWaiter.self, "", options: options)
                _ = try await context.startChild(ChildWaiter.self, "", options: options)
                return "both started"
            case "awaitWaiter":
                return try await context.executeChild(ChildWaiter.self, "", options: options)
            case "timeout":
                var timed = options
                timed.executionTimeout = .seconds(60)
                return try await context.executeChild(ChildWaiter.self, "", options: timed)
            default:
                return try await context.executeChild(ChildEcho.self, input.childInput, options: options)
            }
        } catch let failure as ChildWorkflowFailure where input.mode != "uncaught" {
            return "\(failure.cause.type): \(failure.description)"
        }
    }
}
