import Foundation
import RepriseTesting
import Testing
import Workflow

/// Child workflows in the runtime, one workflow task at a time: each child event reaches the code
/// as Temporal's SDKs deliver it, and every history replays from scratch.
@Suite("Child workflows: replay")
struct ChildReplayTests {
    /// How a child's run ended, as the parent's history records it, and what the parent returns.
    static let outcomes: [(name: String, event: @Sendable (HistoryEvent.ChildWorkflowExecutionStartedAttributes, Int64) -> HistoryEvent.Attributes, expected: String)] = [
        ("completed", { s, e in .childWorkflowExecutionCompleted(.init(namespace: "default", workflowId: s.workflowId, runId: s.runId, workflowType: s.workflowType, initiatedEventId: s.initiatedEventId, startedEventId: e, result: .string("child done"))) }, "child done"),
        ("failed", { s, e in .childWorkflowExecutionFailed(.init(namespace: "default", workflowId: s.workflowId, runId: s.runId, workflowType: s.workflowType, initiatedEventId: s.initiatedEventId, startedEventId: e, failure: Failure(message: "declined", type: "PaymentDeclined"))) }, "failed PaymentDeclined"),
        ("canceled", { s, e in .childWorkflowExecutionCanceled(.init(namespace: "default", workflowId: s.workflowId, runId: s.runId, workflowType: s.workflowType, initiatedEventId: s.initiatedEventId, startedEventId: e)) }, "failed CanceledFailure"),
        ("timed out", { s, e in .childWorkflowExecutionTimedOut(.init(namespace: "default", workflowId: s.workflowId, runId: s.runId, workflowType: s.workflowType, initiatedEventId: s.initiatedEventId, startedEventId: e)) }, "failed TimeoutFailure"),
        ("terminated", { s, e in .childWorkflowExecutionTerminated(.init(namespace: "default", workflowId: s.workflowId, runId: s.runId, workflowType: s.workflowType, initiatedEventId: s.initiatedEventId, startedEventId: e)) }, "failed TerminatedFailure"),
    ]

    @Test(arguments: 0..<5)
    func eachChildOutcomeReachesTheParentAndReplays(index: Int) throws {
        let outcome = Self.outcomes[index]
        let harness = try Harness(ParentAwaitsChild.self, input: "x", registry: WorkflowRegistry([ParentAwaitsChild.self, ChildTask.self]))
        let first = try harness.runWorkflowTask()
        guard case .startChildWorkflow(let start)? = first.first else {
            Issue.record("expected a child start, got \(first)")
            return
        }
        #expect(start.workflowId == "wf-1-1")  // {parent workflow id}-{seq}
        #expect(start.workflowType == "ChildTask")
        #expect(start.parentClosePolicy == .terminate)
        let startedEvent = harness.builder.startChild("wf-1-1", runId: "child-run")
        let started = try #require(startedEvent)
        #expect(try harness.runWorkflowTask().isEmpty)  // Started: the parent now awaits the result.
        guard case .childWorkflowExecutionStarted(let attributes) = started.attributes else { return }
        harness.builder.append(outcome.event(attributes, started.eventId))
        harness.builder.scheduleWorkflowTask()
        let last = try harness.runWorkflowTask()
        #expect(last == [.completeWorkflow(result: .string(outcome.expected))], "\(outcome.name)")
        let replayed = try harness.replayFromScratch()
        #expect(replayed.isFinished)
        replayed.evict()
    }

    @Test func aStartThatFailsThrowsChildWorkflowFailureNamingTheChild() throws {
        let harness = try Harness(ParentAwaitsChild.self, input: "x", registry: WorkflowRegistry([ParentAwaitsChild.self, ChildTask.self]))
        try harness.runWorkflowTask()
        let initiated = try #require(harness.builder.initiatedEventId(ofChild: "wf-1-1"))
        harness.builder.append(
            .startChildWorkflowExecutionFailed(
                .init(
                    namespace: "default", workflowId: "wf-1-1", workflowType: "ChildTask", cause: ChildWorkflowFailure.Causes.alreadyStarted,
                    initiatedEventId: initiated, workflowTaskCompletedEventId: initiated - 1)))
        harness.builder.scheduleWorkflowTask()
        #expect(try harness.runWorkflowTask() == [.completeWorkflow(result: .string("failed WorkflowExecutionAlreadyStarted"))])
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func anUncaughtChildFailureFailsTheParentWithTheChildNamed() throws {
        let harness = try Harness(ParentLetsChildFail.self, input: "x", registry: WorkflowRegistry([ParentLetsChildFail.self, ChildTask.self]))
        try harness.runWorkflowTask()
        let startedEvent = harness.builder.startChild("dunning-7", runId: "child-run")
        let started = try #require(startedEvent)
        try harness.runWorkflowTask()
        guard case .childWorkflowExecutionStarted(let s) = started.attributes else { return }
        harness.builder.append(Self.outcomes[1].event(s, started.eventId))
        harness.builder.scheduleWorkflowTask()
        let last = try harness.runWorkflowTask()
        guard case .failWorkflow(let failure)? = last.last else {
            Issue.record("expected the parent to fail, got \(last)")
            return
        }
        #expect(failure.type == ChildWorkflowFailure.type)
        #expect(failure.message.contains("dunning-7") && failure.message.contains("ChildTask") && failure.message.contains("child-run"))
        #expect(failure.cause?.type == "PaymentDeclined")
    }

    @Test(arguments: ["signal", "cancel"], [true, false])
    func signalAndCancelThroughTheHandleReplay(action: String, delivered: Bool) throws {
        let harness = try Harness(ParentSignalsChild.self, input: action, registry: WorkflowRegistry([ParentSignalsChild.self, ChildTask.self]))
        try harness.runWorkflowTask()
        harness.builder.startChild("wf-1-1", runId: "child-run")
        let request = try harness.runWorkflowTask()
        let initiated = harness.builder.nextEventId - 1
        switch (action, request.first) {
        case ("signal", .signalExternalWorkflow(let signal)?):
            #expect(signal.signalName == "go" && signal.workflowId == "wf-1-1" && signal.runId == "child-run")
            harness.builder.append(
                delivered
                    ? .externalWorkflowExecutionSignaled(.init(namespace: "default", workflowId: "wf-1-1", runId: "child-run", initiatedEventId: initiated))
                    : .signalExternalWorkflowExecutionFailed(
                        .init(
                            namespace: "default", workflowId: "wf-1-1", runId: "child-run", cause: ChildWorkflowFailure.Causes.notFound,
                            initiatedEventId: initiated, workflowTaskCompletedEventId: initiated - 1)))
        case ("cancel", .requestCancelExternalWorkflow(let cancel)?):
            #expect(cancel.workflowId == "wf-1-1")
            harness.builder.append(
                delivered
                    ? .externalWorkflowExecutionCancelRequested(
                        .init(namespace: "default", workflowId: "wf-1-1", runId: "child-run", initiatedEventId: initiated))
                    : .requestCancelExternalWorkflowExecutionFailed(
                        .init(
                            namespace: "default", workflowId: "wf-1-1", runId: "child-run", cause: ChildWorkflowFailure.Causes.notFound,
                            initiatedEventId: initiated, workflowTaskCompletedEventId: initiated - 1)))
        default:
            Issue.record("expected a \(action) command, got \(request)")
            return
        }
        harness.builder.scheduleWorkflowTask()
        let expected = delivered ? "delivered" : "failed \(ChildWorkflowFailure.Causes.notFound)"
        #expect(try harness.runWorkflowTask() == [.completeWorkflow(result: .string(expected))])
        #expect(try harness.replayFromScratch().isFinished)
    }

    @Test func aChangedChildCommandIsANonDeterminismError() throws {
        let harness = try Harness(ParentAwaitsChild.self, input: "x", registry: WorkflowRegistry([ParentAwaitsChild.self, ChildTask.self]))
        try harness.runWorkflowTask()
        harness.builder.startChild("wf-1-1", runId: "child-run")
        try harness.runWorkflowTask()
        let changed = WorkflowRegistry([ParentStartsOtherChild.self, ChildTask.self, OtherChild.self])
        let error = #expect(throws: WorkflowTaskError.self) { try harness.replayFromScratch(using: changed) }
        #expect(error?.code == .nonDeterminism)
        #expect(error?.message.contains("StartChildWorkflowExecutionInitiated") == true)
        #expect(error?.message.contains("OtherChild") == true)
    }

    @Test func optionsAreValidatedLikeAStart() {
        let bad: [(ChildWorkflowOptions, String)] = [
            (.init(workflowId: ""), "must not be empty"),
            (.init(workflowId: String(repeating: "x", count: 1001)), "1001 bytes"),
            (.init(workflowId: "a\u{0}b"), "control character"),
            (.init(workflowId: "a\nb"), "control character"),
            (.init(taskQueue: "q\u{7F}"), "control character"),
            (.init(executionTimeout: .seconds(-1)), "executionTimeout"),
            (.init(executionTimeout: .zero), "must be positive"),
            (.init(executionTimeout: .seconds(4_000_000_000)), "executionTimeout"),
        ]
        for (options, message) in bad {
            let error = #expect(throws: InvalidArgumentFailure.self) { try options.validate() }
            #expect(error?.message.contains(message) == true, "\(options): \(error?.message ?? "")")
        }
        #expect(throws: Never.self) { try ChildWorkflowOptions(workflowId: "dunning-42", executionTimeout: .seconds(60)).validate() }
    }

    @Test func aBadChildIdFailsTheParentWithInvalidArgument() throws {
        let harness = try Harness(ParentLetsChildFail.self, input: "bad\u{1}", registry: WorkflowRegistry([ParentLetsChildFail.self, ChildTask.self]))
        let commands = try harness.runWorkflowTask()
        guard case .failWorkflow(let failure)? = commands.last else {
            Issue.record("expected the parent to fail, got \(commands)")
            return
        }
        #expect(failure.type == InvalidArgumentFailure.type)
        #expect(!commands.contains { if case .startChildWorkflow = $0 { true } else { false } })
    }
}

struct ChildTask: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String { "child \(input)" }
}

struct OtherChild: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String { input }
}

/// Awaits one child and answers its result, or the cause of its failure.
struct ParentAwaitsChild: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        do {
            return try await context.executeChild(ChildTask.self, input)
        } catch let failure as ChildWorkflowFailure {
            return "failed \(failure.cause.type)"
        }
    }
}

/// The same workflow type, changed to start another child type: replay must refuse it.
struct ParentStartsOtherChild: Workflow {
    static var name: String { "ParentAwaitsChild" }
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.executeChild(OtherChild.self, input)
    }
}

/// Lets the child's failure escape; the input is the child's workflow id ("x" for "dunning-7").
struct ParentLetsChildFail: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.executeChild(ChildTask.self, input, options: .init(workflowId: input == "x" ? "dunning-7" : input))
    }
}

/// Starts a child, then signals it ("signal") or asks it to cancel ("cancel").
struct ParentSignalsChild: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        let handle = try await context.startChild(ChildTask.self, "x")
        do {
            if input == "signal" { try await handle.signal("go", "now") } else { try await handle.cancel() }
            return "delivered"
        } catch let failure as ChildWorkflowFailure {
            return "failed \(failure.cause.type)"
        }
    }
}

/// The in-memory harness runs children in harnesses of their own.
@Suite("Child workflows: the harness")
struct ChildHarnessTests {
    static let registry = WorkflowRegistry([ParentAwaitsChild.self, ChildTask.self, ParentSignalsWaiter.self, WaitingChild.self])

    @Test func theHarnessRunsAChildToItsResult() async throws {
        let harness = try Harness(ParentAwaitsChild.self, input: "x", registry: Self.registry)
        #expect(try await harness.result(ParentAwaitsChild.self) == "child x")
        #expect(harness.eventTypes.contains(.childWorkflowExecutionCompleted))
    }

    @Test func theHarnessDeliversSignalsAndCancelsToChildren() async throws {
        let signaled = try Harness(ParentSignalsWaiter.self, input: "signal", registry: Self.registry)
        #expect(try await signaled.result(ParentSignalsWaiter.self) == "got go")
        let canceled = try Harness(ParentSignalsWaiter.self, input: "cancel", registry: Self.registry)
        #expect(try await canceled.result(ParentSignalsWaiter.self) == "failed \(Failure.Types.canceled)")
        #expect(canceled.eventTypes.contains(.externalWorkflowExecutionCancelRequested))
    }

    @Test func aChildTypeTheRegistryLacksIsNamed() async throws {
        let harness = try Harness(ParentAwaitsChild.self, input: "x")
        let error = await #expect(throws: WorkflowHarnessError.self) { try await harness.result(ParentAwaitsChild.self) }
        #expect(error?.message.contains("ChildTask") == true)
    }
}

struct WaitingChild: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        "got " + (try await context.waitForSignal("go", as: String.self) ?? "")
    }
}

/// Starts a waiting child, then signals it ("signal") or cancels it ("cancel"), and awaits it.
struct ParentSignalsWaiter: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        let handle = try await context.startChild(WaitingChild.self, "")
        do {
            if input == "signal" { try await handle.signal("go", "go") } else { try await handle.cancel() }
            return try await handle.result()
        } catch let failure as ChildWorkflowFailure {
            return "failed \(failure.cause.type)"
        }
    }
}
