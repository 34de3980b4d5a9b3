import Foundation
import Store
import Workflow

/// A child that answers its input.
struct BenchChild: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int { input }
}

/// Starts `input` children in a loop (each a child task of one group, as a Temporal fan-out starts
/// its futures), then awaits every result; answers their sum.
struct ChildFanOut: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<input {
                group.addTask { try await context.startChild(BenchChild.self, index).result() }
            }
            return try await group.reduce(0, +)
        }
    }
}

extension EngineScenarios {
    /// One parent with 1,000 children (100 with `--quick`): the time from its start to its close.
    func children(_ store: Store, starter: any WorkflowStarter) async throws -> [String: JSONValue] {
        let count = quick ? 100 : 1000
        let id = "children-\(UUID().uuidString.prefix(8))"
        let started = ContinuousClock.now
        _ = try await starter.startWorkflow(
            StartWorkflowRequest(namespace: "default", workflowId: id, workflowType: ChildFanOut.name, taskQueue: "bench", input: .int(Int64(count))),
            at: Date())
        var description = try await store.describe(namespace: "default", workflowId: id)
        while description.status.isOpen {
            try await Task.sleep(for: .milliseconds(20))
            description = try await store.describe(namespace: "default", workflowId: id)
        }
        let seconds = (ContinuousClock.now - started).seconds
        let expected = Int64(count * (count - 1) / 2)
        guard description.status == .completed, description.result == .int(expected) else {
            throw BenchError("the children parent ended \(description.status.rawValue): \(description.failure?.message ?? "result \(String(describing: description.result))")")
        }
        return [
            "scenario": .string("children"), "children": .int(Int64(count)), "seconds": .double(seconds),
            "children_per_s": .double(Double(count) / seconds), "parent_history_events": .int(description.historyLength),
        ]
    }
}
