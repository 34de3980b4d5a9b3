import Foundation
import RepriseTesting
import Store
import Testing
import Workflow

@Suite("Child workflows")
struct ChildWorkflowTests {
    static let workflows: [any Workflow.Type] = [ChildParent.self, ChildEcho.self, ChildWaiter.self]

    @Test func aChildsResultReachesItsParentWithTemporalsEvents() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid"))
            #expect(try await env.result(ChildParent.self, id: "parent") == "echo hi")
            let types = try await env.history("parent").map(\.eventType)
            let sequence: [EventType] = [.startChildWorkflowExecutionInitiated, .childWorkflowExecutionStarted, .childWorkflowExecutionCompleted]
            #expect(sequence.allSatisfy { types.contains($0) })
            #expect(types.firstIndex(of: .childWorkflowExecutionStarted)! < types.firstIndex(of: .childWorkflowExecutionCompleted)!)
            #expect(try await env.describe("kid").status == .completed)
            #expect(try await env.describe("parent").pendingChildren.isEmpty)
            guard case .workflowExecutionStarted(let started)? = try await env.history("kid").first?.attributes else {
                Issue.record("the child's history does not begin with WorkflowExecutionStarted")
                return
            }
            #expect(started.parentWorkflowId == "parent" && started.parentWorkflowNamespace == "default")
            #expect(started.parentRunId == (try await env.describe("parent").runId.uuidString.lowercased()))
            #expect(started.parentInitiatedEventId == (try await env.history("parent").first { $0.eventType == .startChildWorkflowExecutionInitiated }?.eventId))
        }
    }

    @Test func theDefaultChildIdIsTheParentsIdAndASequenceNumber() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan())
            #expect(try await env.result(ChildParent.self, id: "parent") == "echo hi")
            #expect(try await env.describe("parent-1").status == .completed)
        }
    }

    @Test func aChildsFailureIsATypedErrorThatNamesTheChild() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "dunning", childInput: "fail", mode: "uncaught"))
            let closed = try await env.waitForClose("parent")
            #expect(closed.status == .failed)
            let failure = try #require(closed.failure)
            #expect(failure.type == ChildWorkflowFailure.type)
            #expect(failure.message.contains("\"dunning\"") && failure.message.contains("ChildEcho"))
            #expect(failure.message.contains(try await env.describe("dunning").runId.uuidString.lowercased()))
            #expect(failure.cause?.type == "PaymentDeclined")
            #expect(try await env.history("parent").contains { $0.eventType == .childWorkflowExecutionFailed })
        }
    }

    @Test func aTakenIdFailsTheStartWithATypedError() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildWaiter.self, id: "taken", input: "")
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "taken"))
            let result = try await env.result(ChildParent.self, id: "parent")
            #expect(result.hasPrefix("\(ChildWorkflowFailure.Causes.alreadyStarted): "))
            #expect(result.contains("\"taken\""))
            let types = try await env.history("parent").map(\.eventType)
            #expect(types.contains(.startChildWorkflowExecutionFailed) && !types.contains(.childWorkflowExecutionStarted))
            #expect(try await env.describe("taken").status == .running)  // The open run is untouched.
        }
    }

    @Test func twoChildrenWithOneIdStartOnce() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "same", mode: "twice"))
            #expect(try await env.result(ChildParent.self, id: "parent").hasPrefix(ChildWorkflowFailure.Causes.alreadyStarted))
        }
    }

    @Test func twoChildrenWithOneIdInOneTaskStartOnce() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "same", policy: .abandon, mode: "twiceAtOnce"))
            #expect(try await env.result(ChildParent.self, id: "parent").hasPrefix(ChildWorkflowFailure.Causes.alreadyStarted))
            let types = try await env.history("parent").map(\.eventType)
            #expect(types.filter { $0 == .startChildWorkflowExecutionInitiated }.count == 2)
            #expect(types.filter { $0 == .childWorkflowExecutionStarted }.count == 1)
            #expect(types.filter { $0 == .startChildWorkflowExecutionFailed }.count == 1)
            #expect(try await env.describe("same").status == .running)
        }
    }

    @Test func startingMoreChildrenThanTheLimitFailsTheParent() async throws {
        var limits = Limits()
        limits.maxPendingChildren = 2
        try await TestEnvironment.run(workflows: Self.workflows, limits: limits) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(policy: .abandon, mode: "three"))
            let closed = try await env.waitForClose("parent")
            #expect(closed.status == .failed)
            #expect(closed.failure?.type == Limits.FailureTypes.pendingChildrenLimitExceeded)
            #expect(closed.failure?.message.contains("Limits.maxPendingChildren") == true)
            #expect(try await env.describe("parent-2").status == .running)
            await #expect(throws: StoreError.self) { try await env.describe("parent-3") }
        }
    }

    /// A worker that skipped the checks (an old or foreign one) cannot start a child the API
    /// would refuse: the Store checks the command again and the workflow task fails.
    @Test(arguments: ["", "bad\u{0}id", "bad\u{7}id", String(repeating: "x", count: 1001)])
    func theStoreRefusesAChildIdTheAPIWouldRefuse(workflowId: String) async throws {
        try await TestEnvironment.run(workflows: Self.workflows, startWorker: false) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan())
            let tasks = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, workflowTypes: [ChildParent.name], owner: "test", limit: 1, leaseDuration: .seconds(60), at: env.clock.now)
            let task = try #require(tasks.first)
            let started = HistoryEvent(
                eventId: task.nextEventId, eventTime: env.clock.now, attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId)))
            let start = Command.StartChildWorkflow(
                seq: 1, workflowId: workflowId, workflowType: ChildEcho.name, taskQueue: nil, input: .string("x"), executionTimeout: nil,
                idReusePolicy: .allowDuplicate, parentClosePolicy: .terminate)
            let error = await #expect(throws: StoreError.self) {
                try await env.store.completeWorkflowTask(task, started: started, commands: [.startChildWorkflow(start)], identity: "test", at: env.clock.now)
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("child workflowId") == true)
            #expect(try await env.describe("parent").historyLength == 2)  // Nothing was written.
        }
    }

    @Test(arguments: [ParentClosePolicy.terminate, .requestCancel, .abandon])
    func theParentsCloseAppliesEachPolicy(policy: ParentClosePolicy) async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", policy: policy, mode: "startThenClose"))
            _ = try await env.result(ChildParent.self, id: "parent")
            switch policy {
            case .terminate:
                let child = try await env.waitForClose("kid")
                #expect(child.status == .terminated)
                #expect(child.failure?.message.contains("parent workflow \"parent\" closed Completed") == true)
            case .requestCancel:
                #expect(try await env.waitForClose("kid").status == .canceled)
                #expect(try await env.history("kid").contains { $0.eventType == .workflowExecutionCancelRequested })
            case .abandon:
                #expect(try await env.describe("kid").status == .running)
                try await env.signal("kid", "go", "on its own")
                #expect(try await env.result(ChildWaiter.self, id: "kid") == "on its own")
            }
            // The parent closed first: nothing is appended to its history after its close.
            #expect(try await env.history("parent").last?.eventType == .workflowExecutionCompleted)
        }
    }

    @Test(arguments: [ParentClosePolicy.terminate, .requestCancel])
    func cancelingTheParentReachesItsChildrenByPolicy(policy: ParentClosePolicy) async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", policy: policy, mode: "startThenWait"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            try await env.cancel("parent")
            #expect(try await env.waitForClose("parent").status == .canceled)
            #expect(try await env.waitForClose("kid").status == (policy == .terminate ? .terminated : .canceled))
        }
    }

    @Test func terminatingTheParentTerminatesItsChild() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "startThenWait"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            try await env.terminate("parent")
            let child = try await env.waitForClose("kid")
            #expect(child.status == .terminated)
            #expect(child.failure?.message.contains("closed Terminated") == true)
        }
    }

    @Test func theHandleSignalsItsChild() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "signal"))
            #expect(try await env.result(ChildParent.self, id: "parent") == "from parent")
            let types = try await env.history("parent").map(\.eventType)
            #expect(types.contains(.signalExternalWorkflowExecutionInitiated) && types.contains(.externalWorkflowExecutionSignaled))
            let signaled = try await env.history("kid").first { $0.eventType == .workflowExecutionSignaled }
            guard case .workflowExecutionSignaled(let attributes)? = signaled?.attributes else {
                Issue.record("the child got no signal")
                return
            }
            #expect(attributes.signalName == "go")
        }
    }

    @Test func theHandleCancelsItsChild() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "cancel"))
            let result = try await env.result(ChildParent.self, id: "parent")
            #expect(result.hasPrefix("\(Failure.Types.canceled): "))
            #expect(try await env.describe("kid").status == .canceled)
            let types = try await env.history("parent").map(\.eventType)
            #expect(types.contains(.requestCancelExternalWorkflowExecutionInitiated) && types.contains(.externalWorkflowExecutionCancelRequested))
            #expect(types.contains(.childWorkflowExecutionCanceled))
        }
    }

    @Test func aChildsExecutionTimeoutReachesTheParent() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "timeout"))
            #expect(try await env.result(ChildParent.self, id: "parent").hasPrefix("\(Failure.Types.timeout): "))
            #expect(try await env.describe("kid").status == .timedOut)
            #expect(try await env.history("parent").contains { $0.eventType == .childWorkflowExecutionTimedOut })
        }
    }

    @Test func anOperatorTerminatingTheChildReachesTheParent() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "awaitWaiter"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            try await env.terminate("kid")
            #expect(try await env.result(ChildParent.self, id: "parent").hasPrefix("\(Failure.Types.terminated): "))
        }
    }

    @Test func describeListsPendingChildren() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", policy: .abandon, mode: "startThenWait"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            let child = try #require(try await env.describe("parent").pendingChildren.first)
            #expect(child.workflowId == "kid")
            #expect(child.workflowType == "ChildWaiter")
            #expect(child.parentClosePolicy == .abandon)
            #expect(child.runId == (try await env.describe("kid").runId))
            let initiated = try await env.history("parent").first { $0.eventType == .startChildWorkflowExecutionInitiated }
            #expect(child.initiatedEventId == initiated?.eventId)
        }
    }

    /// A child's close that finds its parent's workflow task running is held, as Temporal buffers
    /// events, and appended when that task ends: the running task does not go stale.
    @Test func aChildsCloseWaitsForItsParentsRunningTask() async throws {
        try await TestEnvironment.run(workflows: Self.workflows, startWorker: false) { env in
            let worker = env.launchWorker()
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", policy: .abandon, mode: "startThenWait"))
            try await env.waitUntil("the child started") { try await env.describe("parent").pendingChildren.count == 1 }
            // The child's first task may still be queued: the worker has gone, and the child is closed by hand.
            await worker.shutdown()
            try await env.signal("parent", "poke", "")
            let tasks = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, workflowTypes: [ChildParent.name], owner: "test", limit: 1, leaseDuration: .seconds(60), at: env.clock.now)
            let task = try #require(tasks.first)
            let before = try await env.describe("parent").historyLength
            try await env.terminate("kid")
            #expect(try await env.describe("kid").status == .terminated)
            #expect(try await env.describe("parent").historyLength == before)  // Held: the running task stays current.
            try await env.store.releaseWorkflowTask(task, at: env.clock.now)
            let types = try await env.history("parent").map(\.eventType)
            #expect(types.last == .childWorkflowExecutionTerminated)
            #expect(try await env.describe("parent").pendingChildren.isEmpty)
        }
    }

    @Test func aParentHistoryWithChildrenReplays() async throws {
        try await TestEnvironment.run(workflows: Self.workflows) { env in
            try await env.start(ChildParent.self, id: "parent", input: ChildPlan(childId: "kid", mode: "signal"))
            _ = try await env.result(ChildParent.self, id: "parent")
            let history = History(events: try await env.history("parent"))
            let replayed = try WorkflowReplayer(registry: WorkflowRegistry(Self.workflows)).replay(history)
            #expect(replayed.isFinished)
        }
    }
}
