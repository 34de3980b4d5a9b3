import Foundation
import Logging
import RepriseTesting
import Store
import Testing
import Workflow

/// A connection prepares a statement the first time it runs it, with that run's parameter types,
/// and a NULL binding has no type: a NULL first must not make a later value fail.
@Suite("Prepared statements")
struct PreparedStatementTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aNullFirstThenAValueOnOneConnection() async throws {
        try await TestDatabase.with(logger: logger) { database in
            // One connection, so every statement runs on the connection that prepared it.
            let store = try Store(url: database.url, maximumConnections: 1, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                let now = Date()
                // Starts in one statement, then in a transaction (a policy that looks at earlier runs).
                for policy in [WorkflowIdReusePolicy.allowDuplicate, .rejectDuplicate] {
                    let bare = StartWorkflowRequest(workflowId: "bare-\(policy)", workflowType: "T", taskQueue: "q", idReusePolicy: policy)
                    let full = StartWorkflowRequest(
                        workflowId: "full-\(policy)", workflowType: "T", taskQueue: "q", input: .string("in"), idReusePolicy: policy,
                        executionTimeout: .seconds(60), searchAttributes: .object(["k": .string("v")]), memo: .object(["m": .int(1)]))
                    _ = try await store.startWorkflow(bare, at: now)
                    _ = try await store.startWorkflow(full, at: now)
                    let described = try await store.describe(namespace: "default", workflowId: full.workflowId)
                    #expect(described.input == .string("in"))
                    #expect(described.memo == .object(["m": .int(1)]))
                }
                // A close without a result, then one with a result.
                try await store.terminate(namespace: "default", workflowId: "bare-\(WorkflowIdReusePolicy.allowDuplicate)", reason: "r", at: now)
                let task = try #require(
                    try await store.pollWorkflowTasks(taskQueue: "q", workflowTypes: ["T"], owner: "w", limit: 10, leaseDuration: .seconds(5), at: now)
                        .first { $0.workflowId == "full-\(WorkflowIdReusePolicy.allowDuplicate)" })
                let started = HistoryEvent(
                    eventId: task.nextEventId, eventTime: now, attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "w")))
                try await store.completeWorkflowTask(task, started: started, commands: [.completeWorkflow(result: .string("done"))], identity: "w", at: now)
                let completed = try await store.describe(namespace: "default", workflowId: task.workflowId)
                #expect(completed.status == .completed)
                #expect(completed.result == .string("done"))
            }
        }
    }
}
