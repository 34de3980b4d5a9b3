import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workflow

@testable import Store
@testable import Workers

/// Continue-as-new (issue 19): a run ends `ContinuedAsNew` and a new run of the same workflow id
/// starts in the same transaction, linked both ways; the replayer, the hot path and the harness
/// know the new event.
@Suite("Continue-as-new")
struct ContinueAsNewTests {
    @Test func aChainOfRunsEndsWithTheLastRunsResultAndEachRunNamesItsNeighbours() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [Countdown.self], activities: [Greet(log: log)]) { env in
            try await env.start(Countdown.self, id: "countdown", input: .init(left: 3), executionTimeout: .seconds(3600))
            #expect(try await env.result(Countdown.self, id: "countdown") == ["hello run 3", "hello run 2", "hello run 1", "hello run 0"])
            let runs = try await continueAsNewChain(env, "countdown")
            #expect(runs.map(\.status) == [.continuedAsNew, .continuedAsNew, .continuedAsNew, .completed])
            for (old, new) in zip(runs, runs.dropFirst()) {
                #expect(old.newExecutionRunId == new.runId)
                #expect(new.continuedExecutionRunId == old.runId)
                #expect(old.closeTime != nil && old.result == nil && old.failure == nil)
                #expect(old.pendingActivities.isEmpty && old.pendingTimers.isEmpty)
            }
            #expect(runs[3].newExecutionRunId == nil)

            let first = try await env.store.history(runId: runs[0].runId)
            guard case .workflowExecutionContinuedAsNew(let continued)? = first.last?.attributes else {
                Issue.record("the first run ends with \(String(describing: first.last?.eventType))")
                return
            }
            #expect(continued.newExecutionRunId == runs[1].runId.uuidString.lowercased())
            #expect(continued.workflowType == Countdown.name && continued.taskQueue == env.taskQueue)
            #expect(try continued.input?.decode(as: Countdown.Input.self).left == 2)
            #expect(continued.workflowExecutionTimeout == 3600)
            #expect(continued.workflowTaskCompletedEventId == first[first.count - 2].eventId)
            #expect(first[first.count - 2].eventType == .workflowTaskCompleted)

            let second = try await env.store.history(runId: runs[1].runId)
            guard case .workflowExecutionStarted(let started)? = second.first?.attributes else {
                Issue.record("the second run begins with \(String(describing: second.first?.eventType))")
                return
            }
            #expect(started.continuedExecutionRunId == runs[0].runId.uuidString.lowercased())
            #expect(started.firstExecutionRunId == runs[0].runId.uuidString.lowercased())
            // Each run seeds its randomness from its own id, as in Temporal.
            #expect(started.originalExecutionRunId == runs[1].runId.uuidString.lowercased())
            #expect(started.workflowExecutionTimeout == 3600)
            #expect(second.map(\.eventType).prefix(2) == [.workflowExecutionStarted, .workflowTaskScheduled])
            let last = try await env.store.history(runId: runs[3].runId)
            if case .workflowExecutionStarted(let lastStarted)? = last.first?.attributes {
                #expect(lastStarted.firstExecutionRunId == runs[0].runId.uuidString.lowercased())
            }
            // Each run's history stays short however long the chain.
            #expect(try await runs.asyncMap { try await env.store.history(runId: $0.runId).count }.allSatisfy { $0 < 20 })
        }
    }

    @Test func theChainKeepsTheFirstRunsExecutionDeadline() async throws {
        try await TestEnvironment.run(workflows: [Forever.self]) { env in
            // Each run sleeps a minute: the chain times out after its tenth minute, not per run.
            try await env.start(Forever.self, id: "deadline", input: 0, executionTimeout: .seconds(600))
            let closed = try await env.waitForClose("deadline", timeout: .seconds(60))
            #expect(closed.status == .timedOut)
            let runs = try await continueAsNewChain(env, "deadline")
            #expect(runs.count >= 9 && runs.count <= 11, "\(runs.count) runs")
        }
    }

    @Test func aSignalToTheOldRunByItsIdIsRefused() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self]) { env in
            try await env.start(SignalChain.self, id: "by-id", input: .init(runs: 1, expected: 1, withActivity: false))
            try await env.waitUntil("the run continued") { try await env.describe("by-id").continuedExecutionRunId != nil }
            let old = try #require(try await env.describe("by-id").continuedExecutionRunId)
            let error = await #expect(throws: StoreError.self) {
                try await env.store.signal(namespace: env.namespace, workflowId: "by-id", runId: old, name: "add", input: .int(1), at: env.clock.now)
            }
            #expect(error?.code == .workflowClosed)
            #expect(error?.message.contains("ContinuedAsNew") == true)
        }
    }

    @Test func everyRunOfAChainReplaysAndAChangedCodeIsCaught() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [Countdown.self], activities: [Greet(log: log)]) { env in
            try await env.start(Countdown.self, id: "replayed", input: .init(left: 2))
            _ = try await env.result(Countdown.self, id: "replayed")
            let replayer = WorkflowReplayer(registry: WorkflowRegistry([Countdown.self]))
            for run in try await continueAsNewChain(env, "replayed") {
                let history = History(events: try await env.store.history(runId: run.runId))
                let replayed = try replayer.replay(json: try history.json(), runId: run.runId.uuidString.lowercased())
                #expect(replayed.isFinished)
            }
            // Code that completes where the history continued as new is non-deterministic.
            let first = try #require(try await continueAsNewChain(env, "replayed").first)
            let history = History(events: try await env.store.history(runId: first.runId))
            let changed = WorkflowReplayer(registry: WorkflowRegistry([CountdownThatStops.self]))
            let error = #expect(throws: WorkflowTaskError.self) { try changed.replay(history) }
            #expect(error?.code == .nonDeterminism)
            #expect(error?.message.contains("WorkflowExecutionContinuedAsNew") == true)
        }
    }

    @Test func theInlineStepThatContinuesAsNewWritesWhatThePolledTaskWrites() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let command = Command.continueAsNew(.init(workflowType: ThreeSteps.name, taskQueue: env.taskQueue, input: .string("again")))
            let eager = EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: 1, activityTypes: [Greet.name])
            func firstTask(_ id: String) async throws -> (WorkflowTask, HistoryEvent) {
                try await env.start(ThreeSteps.self, id: id, input: id)
                let tasks = try await env.store.pollWorkflowTasks(
                    taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name], owner: "w", limit: 5, leaseDuration: .seconds(30), at: env.clock.now)
                let task = try #require(tasks.first { $0.workflowId == id })
                return (task, HistoryEvent(eventId: task.nextEventId, eventTime: env.clock.now, attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "w"))))
            }
            // Inline: an activity's completion carries the workflow task that continues as new.
            let (task, started) = try await firstTask("inline")
            let schedule = Command.scheduleActivity(.init(seq: 1, activityType: Greet.name, input: .string("x"), options: tenSeconds))
            let first = try await env.store.completeWorkflowTask(task, started: started, commands: [schedule], identity: "w", eager: eager, at: env.clock.now)
            let activity = try #require(first.eagerActivities.first)
            let next = try #require(first.events.last).eventId + 1
            let step = DecidedStep(
                expectedNextEventId: next, taskQueue: env.taskQueue,
                events: DecidedStep.events(completing: activity, result: .string("done"), identity: "w", taskQueue: env.taskQueue, from: next, at: env.clock.now),
                commands: [command], eager: eager)
            let inline = try #require(try await env.store.completeActivity(activity, result: .string("done"), identity: "w", step: step, at: env.clock.now))
            #expect(inline.closesRun)
            // Polled: the same task's commands through a workflow task of its own.
            let (polledTask, polledStarted) = try await firstTask("polled")
            let polled = try await env.store.completeWorkflowTask(polledTask, started: polledStarted, commands: [command], identity: "w", at: env.clock.now)
            #expect(polled.closesRun)
            // The last two events (WorkflowTaskCompleted, WorkflowExecutionContinuedAsNew) are written
            // alike, but for the new run's id; each path's written events are what it reported.
            func stored(_ id: String, _ runId: UUID) async throws -> [HistoryEvent] { try await env.store.history(runId: runId) }
            let inlineRun = try #require(try await env.store.describe(namespace: env.namespace, workflowId: "inline", runId: task.runId).newExecutionRunId)
            let polledRun = try #require(try await env.store.describe(namespace: env.namespace, workflowId: "polled", runId: polledTask.runId).newExecutionRunId)
            let inlineTail = try await stored("inline", task.runId).suffix(2)
            let polledTail = try await stored("polled", polledTask.runId).suffix(2)
            #expect(inlineTail.map(\.attributes) == inline.events.suffix(2).map(\.attributes))
            #expect(polledTail.map(\.attributes) == polled.events.suffix(2).map(\.attributes))
            func normalized(_ events: ArraySlice<HistoryEvent>) -> [HistoryEvent.Attributes] {
                events.map { event in
                    guard case .workflowExecutionContinuedAsNew(var attributes) = event.attributes else { return event.attributes }
                    attributes.newExecutionRunId = "new"
                    attributes.workflowTaskCompletedEventId = 0
                    return .workflowExecutionContinuedAsNew(attributes)
                }
            }
            #expect(normalized(inlineTail).map(\.eventType) == [.workflowTaskCompleted, .workflowExecutionContinuedAsNew])
            #expect(normalized(inlineTail).last == normalized(polledTail).last)
            if case .workflowExecutionContinuedAsNew(let attributes) = inlineTail.last?.attributes {
                #expect(attributes.newExecutionRunId == inlineRun.uuidString.lowercased())
            }
            if case .workflowExecutionContinuedAsNew(let attributes) = polledTail.last?.attributes {
                #expect(attributes.newExecutionRunId == polledRun.uuidString.lowercased())
            }
            // Both new runs wait for their first workflow task.
            for runId in [inlineRun, polledRun] {
                let types = try await env.store.history(runId: runId).map(\.eventType)
                #expect(types == [.workflowExecutionStarted, .workflowTaskScheduled])
            }
        }
    }

    @Test func theHarnessFollowsTheChainToTheLastRunsResult() async throws {
        let harness = try WorkflowHarness(
            Countdown.self, input: .init(left: 2), activities: [MockActivity(Greet.self) { "mocked \($0)" }])
        #expect(try await harness.result(Countdown.self) == ["mocked run 2", "mocked run 1", "mocked run 0"])
        #expect(harness.continuedRuns.count == 2)
        #expect(harness.continuedRuns.allSatisfy { $0.last?.eventType == .workflowExecutionContinuedAsNew })
        #expect(harness.history.first.map { event in
            if case .workflowExecutionStarted(let started) = event.attributes { started.continuedExecutionRunId == "run-2" } else { false }
        } == true)
    }

    @Test func aCancelSignalThatArrivesWithThePeriodsEndReachesTheNextPeriod() async throws {
        let harness = try WorkflowHarness(CancelablePeriods.self, input: 1)
        try harness.runWorkflowTask()
        // The period's timer and the signal in one workflow task: the timer wins, the signal is
        // kept, and the continue-as-new carries it to period 2, whose wait takes it at once.
        harness.builder.fireTimer("1")
        harness.builder.signal("cancel", input: .string("moving"))
        #expect(try await harness.result(CancelablePeriods.self) == "canceled in period 2: moving")
        #expect(harness.continuedRuns.count == 1)
    }

    @Test func inTheHarnessSignalsNoCodeTookAreCarriedToTheNextRun() async throws {
        let harness = try WorkflowHarness(SignalChain.self, input: .init(runs: 2, expected: 2, withActivity: false))
        try harness.signal("add", 3)
        try harness.signal("add", 4)
        #expect(try await harness.result(SignalChain.self) == 7)
        #expect(harness.continuedRuns.count == 2)
        let types = harness.history.map(\.eventType)
        #expect(Array(types.prefix(4)) == [.workflowExecutionStarted, .workflowExecutionSignaled, .workflowExecutionSignaled, .workflowTaskScheduled])
    }
}

/// `Countdown` changed to complete where it used to continue as new.
struct CountdownThatStops: Workflow {
    static let name = Countdown.name

    func run(context: WorkflowContext, input: Countdown.Input) async throws -> [String] {
        [try await context.execute(Greet.self, "run \(input.left)", options: tenSeconds)]
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

/// The runs of a workflow id's chain of continue-as-new runs, first run first, followed through
/// the links `describe` shows.
func continueAsNewChain(_ env: TestEnvironment, _ workflowId: String) async throws -> [WorkflowExecutionDescription] {
    var runs = [try await env.describe(workflowId)]
    while let previous = runs[0].continuedExecutionRunId {
        runs.insert(try await env.store.describe(namespace: env.namespace, workflowId: workflowId, runId: previous), at: 0)
    }
    return runs
}
