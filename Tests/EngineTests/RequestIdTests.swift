import Foundation
import RepriseTesting
import Store
import Testing
import Workflow

/// A start or a signal with a request id, repeated after a timeout or a 503, takes effect once.
@Suite("Request ids: idempotent starts and signals")
struct RequestIdTests {
    @Test func aRepeatedStartAfterTheRunCompletedAnswersTheFirstRunEvenUnderAllowDuplicate() async throws {
        try await TestEnvironment.run(workflows: [Immediate.self]) { env in
            let request = StartWorkflowRequest(
                workflowId: "order", workflowType: Immediate.name, taskQueue: env.taskQueue, input: try Payload(encoding: "x"),
                idReusePolicy: .allowDuplicate, requestId: "request-1")
            let first = try await env.store.startWorkflow(request, at: env.clock.now)
            #expect(first.started)
            #expect(try await env.waitForClose("order").status == .completed)
            let repeated = try await env.store.startWorkflow(request, at: env.clock.now)
            #expect(repeated == StartWorkflowResult(runId: first.runId, started: false))
            #expect(try await runs(of: "order", in: env) == [first.runId])
            // Another request id is another start, which AllowDuplicate lets through.
            var other = request
            other.requestId = "request-2"
            let second = try await env.store.startWorkflow(other, at: env.clock.now)
            #expect(second.started && second.runId != first.runId)
            #expect(try await runs(of: "order", in: env).count == 2)
        }
    }

    /// No worker: the run stays open, so the policies would refuse or terminate it.
    @Test func aRepeatedStartWhileTheRunIsOpenAnswersItWhateverTheConflictPolicy() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self], startWorker: false) { env in
            var request = StartWorkflowRequest(
                workflowId: "approval", workflowType: WaitForApproval.name, taskQueue: env.taskQueue, input: try Payload(encoding: 60),
                requestId: "request-1")
            let first = try await env.store.startWorkflow(request, at: env.clock.now)
            for policy in WorkflowIdConflictPolicy.allCases {
                request.idConflictPolicy = policy
                #expect(try await env.store.startWorkflow(request, at: env.clock.now) == StartWorkflowResult(runId: first.runId, started: false))
            }
            #expect(try await env.describe("approval").status == .running)
            #expect(try await runs(of: "approval", in: env) == [first.runId])
            // Without the id, the default policy refuses the start as before.
            request.requestId = nil
            request.idConflictPolicy = .fail
            let error = await #expect(throws: StoreError.self) { try await env.store.startWorkflow(request, at: env.clock.now) }
            #expect(error?.code == .workflowAlreadyStarted)
        }
    }

    @Test func twentyConcurrentStartsWithOneRequestIdMakeOneRun() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self], startWorker: false) { env in
            let request = StartWorkflowRequest(
                workflowId: "burst", workflowType: WaitForApproval.name, taskQueue: env.taskQueue, input: try Payload(encoding: 60),
                requestId: "request-1")
            let results = try await withThrowingTaskGroup(of: StartWorkflowResult.self) { group in
                for _ in 0..<20 { group.addTask { try await env.store.startWorkflow(request, at: env.clock.now) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(Set(results.map(\.runId)).count == 1)
            #expect(results.filter(\.started).count == 1)
            #expect(try await runs(of: "burst", in: env) == [results[0].runId])
        }
    }

    @Test func aSignalWithARequestIdIsDeliveredOnceEvenWhenRepeatedAfterTheRunClosed() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self], startWorker: false) { env in
            try await env.start(WaitForApproval.self, id: "approval", input: 3600)
            @Sendable func signal(_ requestId: String) async throws {
                try await env.store.signal(
                    namespace: env.namespace, workflowId: "approval", name: "approve", input: try Payload(encoding: "ok"), requestId: requestId,
                    at: env.clock.now)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<10 { group.addTask { try await signal("signal-1") } }
                try await group.waitForAll()
            }
            #expect(try await signals(in: env) == 1)
            try await signal("signal-2")
            #expect(try await signals(in: env) == 2)
            try await env.terminate("approval")
            let closed = try await env.history("approval")
            try await signal("signal-1")
            #expect(try await env.history("approval") == closed)
            // A new request id to the closed run is refused as before.
            let error = await #expect(throws: StoreError.self) { try await signal("signal-3") }
            #expect(error?.code == .workflowClosed)
        }
    }

    /// An id is the caller's for one namespace and workflow id: elsewhere it names nothing.
    @Test func aRequestIdIsScopedToItsNamespaceAndWorkflowId() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self], startWorker: false) { env in
            try await env.store.createNamespace("other")
            var request = StartWorkflowRequest(
                workflowId: "a", workflowType: WaitForApproval.name, taskQueue: env.taskQueue, input: try Payload(encoding: 60),
                requestId: "request-1")
            let first = try await env.store.startWorkflow(request, at: env.clock.now)
            request.workflowId = "b"
            let otherWorkflow = try await env.store.startWorkflow(request, at: env.clock.now)
            request.workflowId = "a"
            request.namespace = "other"
            let otherNamespace = try await env.store.startWorkflow(request, at: env.clock.now)
            #expect(otherWorkflow.started && otherNamespace.started)
            #expect(Set([first.runId, otherWorkflow.runId, otherNamespace.runId]).count == 3)
            request.namespace = "default"
            #expect(try await env.store.startWorkflow(request, at: env.clock.now) == StartWorkflowResult(runId: first.runId, started: false))
        }
    }

    /// The ids go with their run: retention leaves no row behind, and the id is new again.
    @Test func retentionDeletesARunsRequestIdsWithIt() async throws {
        try await TestEnvironment.run(workflows: [Immediate.self]) { env in
            let request = StartWorkflowRequest(
                workflowId: "order", workflowType: Immediate.name, taskQueue: env.taskQueue, input: try Payload(encoding: "x"),
                requestId: "request-1")
            let first = try await env.store.startWorkflow(request, at: env.clock.now)
            _ = try await env.waitForClose("order")
            #expect(try await env.store.startWorkflow(request, at: env.clock.now) == StartWorkflowResult(runId: first.runId, started: false))
            #expect(try await env.store.deleteExpiredRuns(at: env.clock.now.addingTimeInterval(8 * 86_400)) == 1)
            let again = try await env.store.startWorkflow(request, at: env.clock.now)
            #expect(again.started && again.runId != first.runId)
        }
    }

    private func runs(of workflowId: String, in env: TestEnvironment) async throws -> [UUID] {
        try await env.store.listWorkflows(namespace: env.namespace).workflows.filter { $0.workflowId == workflowId }.map(\.runId)
    }

    private func signals(in env: TestEnvironment) async throws -> Int {
        try await env.history("approval").filter { $0.eventType == .workflowExecutionSignaled }.count
    }
}
