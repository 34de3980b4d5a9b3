import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workflow

@testable import Store
@testable import Workers

/// The hot path's shortcuts (docs/design.md, "Transaction boundaries"): an activity's completion
/// is written with the cached run's next workflow task, which the worker decided first, in one
/// transaction, and a workflow task leases the activities it schedules to its worker.
@Suite("Hot path: inline workflow tasks and eager activities")
struct HotPathTests {
    @Test func eachStepOfACachedRunIsOneTransactionOnItsWorker() async throws {
        let log = CallLog()
        // No timer here: the virtual clock stays put, so no lease can pass while a step runs.
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false, skipTime: false) { env in
            let running = env.launchWorker()
            try await env.start(ThreeSteps.self, id: "inline", input: "i")
            #expect(try await env.result(ThreeSteps.self, id: "inline") == ["hello i-one", "hello i-two", "hello i-three"])
            // The first workflow task leased activity one; each completion ran the next task inline
            // (the last one completing the run) and leased the next activity.
            // On a failure, the history says which step fell back (a rare flake seen under load).
            let history = try await env.history("inline").map(\.eventType.rawValue).joined(separator: " ")
            #expect(running.worker.statistics.eagerActivities == 3, "history: \(history)")
            #expect(running.worker.statistics.inlineWorkflowTasks == 3, "history: \(history)")
            // Nothing was left to poll.
            let leftovers = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "probe", limit: 10, at: env.clock.now)
            #expect(leftovers.isEmpty)
        }
    }

    /// Polls the run's first workflow task and completes it with `commands`, taking up to
    /// `eagerLimit` of the activities it schedules.
    private func firstTask(_ env: TestEnvironment, _ id: String, commands: [Command], eagerLimit: Int) async throws -> WorkflowTaskCompletion {
        try await env.start(ThreeSteps.self, id: id, input: id)
        let tasks = try await env.store.pollWorkflowTasks(
            taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name, BuggySecondStep.name], owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
        let task = try #require(tasks.first)
        let started = HistoryEvent(
            eventId: task.nextEventId, eventTime: env.clock.now,
            attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "w")))
        return try await env.store.completeWorkflowTask(
            task, started: started, commands: commands, identity: "w",
            eager: EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: eagerLimit, activityTypes: [Greet.name]), at: env.clock.now)
    }

    private func schedule(_ seq: Int) -> Command {
        .scheduleActivity(.init(seq: seq, activityType: Greet.name, input: .string("x\(seq)"), options: tenSeconds))
    }

    @Test func aWorkflowTaskLeasesNoMoreActivitiesThanItsWorkerTook() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let completion = try await firstTask(env, "fanout", commands: [schedule(1), schedule(2)], eagerLimit: 1)
            #expect(completion.eagerActivities.map(\.activityId) == ["1"])
            #expect(completion.eagerActivities.first?.info.attempt == 1)
            // The other one waits on the queue for any worker.
            let polled = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "other", limit: 10, at: env.clock.now)
            #expect(polled.map(\.activityId) == ["2"])
        }
    }

    @Test func aCompletionQueuesTheWorkflowTaskWhenHistoryMovedOn() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let completion = try await firstTask(env, "moved", commands: [schedule(1)], eagerLimit: 1)
            let activity = try #require(completion.eagerActivities.first)
            let known = try #require(completion.events.last).eventId + 1
            // A signal arrives while the activity runs, so the worker's cached run is behind.
            try await env.store.signal(namespace: "default", workflowId: "moved", name: "poke", input: nil, at: env.clock.now)
            // The cached run's code runs on the events the step would have written; what it
            // decides is not recorded, and the worker evicts the run.
            let step = decided(env, activity, from: known, commands: [schedule(2)], eager: EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: 1, activityTypes: [Greet.name]))
            let result = try await env.store.completeActivity(activity, result: .string("done"), identity: "w", step: step, at: env.clock.now)
            #expect(result == nil)
            let types = try await env.history("moved").suffix(4).map(\.eventType.rawValue)
            #expect(types == ["WorkflowExecutionSignaled", "WorkflowTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted"])
            let queued = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name, BuggySecondStep.name], owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            #expect(queued.count == 1)
            let activities = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "w", limit: 10, at: env.clock.now)
            #expect(activities.isEmpty, "the speculative task's activity must not be scheduled")
        }
    }

    /// Completes `activity` with an inline task that schedules `commands`, with or without eager
    /// dispatch: with it the step is one statement, without it a transaction of several.
    private func step(_ env: TestEnvironment, _ completion: WorkflowTaskCompletion, commands: [Command], eager: Bool) async throws
        -> WorkflowTaskCompletion?
    {
        let activity = try #require(completion.eagerActivities.first)
        let step = decided(
            env, activity, from: try #require(completion.events.last).eventId + 1, commands: commands,
            eager: eager ? EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: 1, activityTypes: [Greet.name]) : nil)
        return try await env.store.completeActivity(activity, result: .string("done"), identity: "w", step: step, at: env.clock.now)
    }

    /// The step a worker whose cached run ends before `next` decides with `commands` when
    /// `activity` completes with "done".
    private func decided(_ env: TestEnvironment, _ activity: ActivityTask, from next: Int64, commands: [Command], eager: EagerActivities?)
        -> DecidedStep
    {
        DecidedStep(
            expectedNextEventId: next, taskQueue: env.taskQueue,
            events: DecidedStep.events(
                completing: activity, result: .string("done"), identity: "w", taskQueue: env.taskQueue, from: next, at: env.clock.now),
            commands: commands, eager: eager)
    }

    @Test func theOneStatementStepWritesWhatATransactionWrites() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let marker = Command.recordMarker(.init(name: Command.Marker.sideEffectName, details: ["sideEffectId": .int(0), "value": .string("v")]))
            let one = try await step(env, try await firstTask(env, "one", commands: [schedule(1)], eagerLimit: 1), commands: [marker, schedule(2)], eager: true)
            let many = try await step(env, try await firstTask(env, "many", commands: [schedule(1)], eagerLimit: 1), commands: [marker, schedule(2)], eager: false)
            let oneStep = try #require(one)
            #expect(try #require(many).eagerActivities.isEmpty)
            // The one-statement step leased activity 2 to this worker, as eager dispatch does.
            let leased = try #require(oneStep.eagerActivities.first)
            #expect(leased.activityId == "2" && leased.attempt == 1 && leased.input == .string("x2"))
            #expect(leased.scheduledEventId == oneStep.events.last?.eventId)
            // Both wrote the same step, event for event, and the step is what the worker was told.
            let stepOne = try await env.history("one").suffix(oneStep.events.count)
            let stepMany = try await env.history("many").suffix(oneStep.events.count)
            #expect(stepOne.map(\.eventId) == stepMany.map(\.eventId))
            #expect(stepOne.map(\.attributes) == stepMany.map(\.attributes))
            #expect(stepOne.map(\.eventId) == oneStep.events.map(\.eventId))
            #expect(stepOne.map(\.attributes) == oneStep.events.map(\.attributes))
            // The leased attempt completes like any other: its lease token is the stored one.
            let next = try await step(env, oneStep, commands: [], eager: true)
            #expect(try #require(next).eagerActivities.isEmpty)
            #expect(try await env.history("one").suffix(4).map(\.eventType.rawValue) == [
                "ActivityTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
            ])
        }
    }

    /// An upsert does not fit the one statement: the step takes the transaction, which writes
    /// the same events and merges the attributes into the run's row.
    @Test func aStepThatUpsertsSearchAttributesWritesWhatATransactionWrites() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let upsert = Command.upsertSearchAttributes(["stage": .string("qualified"), "score": .int(7)])
            let one = try await step(env, try await firstTask(env, "one", commands: [schedule(1)], eagerLimit: 1), commands: [upsert, schedule(2)], eager: true)
            let many = try await step(env, try await firstTask(env, "many", commands: [schedule(1)], eagerLimit: 1), commands: [upsert, schedule(2)], eager: false)
            let oneStep = try #require(one)
            #expect(try #require(many).events.count == oneStep.events.count)
            let stepOne = try await env.history("one").suffix(oneStep.events.count)
            let stepMany = try await env.history("many").suffix(oneStep.events.count)
            #expect(stepOne.map(\.attributes) == stepMany.map(\.attributes))
            #expect(stepOne.map(\.attributes) == oneStep.events.map(\.attributes))
            #expect(stepOne.contains { $0.eventType == .upsertWorkflowSearchAttributes })
            for id in ["one", "many"] {
                #expect(try await env.describe(id).searchAttributes == .object(["stage": .string("qualified"), "score": .int(7)]), "\(id)")
            }
        }
    }

    @Test func aStepThatEndsTheRunClosesItInOneStatement() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            // Activity 1 leased here, activity 2 queued, and a timer: the close must remove them all.
            let first = try await firstTask(
                env, "closing", commands: [schedule(1), schedule(2), .startTimer(seq: 3, duration: .seconds(3600))], eagerLimit: 1)
            let closing = try #require(try await step(env, first, commands: [.completeWorkflow(result: .string("r"))], eager: false))
            #expect(closing.events.last?.eventType == .workflowExecutionCompleted)
            #expect(closing.eagerActivities.isEmpty)
            let described = try await env.describe("closing")
            #expect(described.status == .completed)
            #expect(described.result == .string("r"))
            #expect(described.closeTime != nil)
            #expect(described.pendingActivities.isEmpty && described.pendingTimers.isEmpty)
            let history = try await env.history("closing")
            #expect(history.map(\.eventId) == Array(1...Int64(history.count)))
            #expect(history.suffix(6).map(\.eventType.rawValue) == [
                "ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
                "WorkflowExecutionCompleted",
            ])
            let activities = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "w", limit: 10, at: env.clock.now)
            #expect(activities.isEmpty)
        }
    }

    @Test func aStaleAttemptsOneStatementStepWritesNothing() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            var completion = try await firstTask(env, "stale", commands: [schedule(1)], eagerLimit: 1)
            let before = try await env.history("stale")
            // Another worker's lease: this attempt's token no longer matches.
            completion.eagerActivities[0].leaseToken = UUID()
            await #expect(throws: StoreError.self) { try await step(env, completion, commands: [schedule(2)], eager: true) }
            #expect(try await env.history("stale") == before)
            let activities = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "w", limit: 10, at: env.clock.now)
            #expect(activities.isEmpty, "activity 1 is still leased, and activity 2 was never scheduled")
        }
    }

    /// Completes the activities at once, as steps that go in one batch.
    private func stepTogether(_ env: TestEnvironment, _ steps: [String: (first: WorkflowTaskCompletion, commands: [Command])]) async throws
        -> [String: Result<WorkflowTaskCompletion?, any Error>]
    {
        let placeholder = CompleteSteps.Step(
            task: try #require(steps.values.first?.first.eagerActivities.first), expectedNextEventId: 0, taskQueue: "", events: [])
        var calls: [String: @Sendable () async -> Result<WorkflowTaskCompletion?, any Error>] = [:]
        for (id, step) in steps {
            calls[id] = {
                do { return .success(try await self.step(env, step.first, commands: step.commands, eager: true)) } catch { return .failure(error) }
            }
        }
        return try await inOneBatch(env.store.stepWriter, placeholder: placeholder, placeholderOutcome: .init(run: false, lease: false), calls: calls)
    }

    @Test func stepsThatCompleteTogetherShareOneStatementAndEachGetsItsOwnOutcome() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let nexts = (0..<8).map { "next-\($0)" }
            var steps: [String: (first: WorkflowTaskCompletion, commands: [Command])] = [:]
            for id in nexts + ["closing", "stale", "moved"] {
                let commands = id == "closing" ? [Command.completeWorkflow(result: .string("r"))] : [schedule(2)]
                steps[id] = (try await firstTask(env, id, commands: [schedule(1)], eagerLimit: 1), commands)
            }
            steps["stale"]?.first.eagerActivities[0].leaseToken = UUID()
            try await env.store.signal(namespace: "default", workflowId: "moved", name: "poke", input: nil, at: env.clock.now)
            let outcomes = try await stepTogether(env, steps)
            for id in nexts {
                let completion = try #require(try outcomes[id]?.get())
                #expect(completion.eagerActivities.map(\.activityId) == ["2"])
                #expect(try await env.history(id).suffix(1).map(\.eventType) == [.activityTaskScheduled])
            }
            #expect(try await env.describe("closing").status == .completed)
            #expect(try await env.describe("closing").result == .string("r"))
            #expect(try outcomes["moved"]?.get() == nil, "history moved on: the workflow task is queued")
            #expect(try await env.history("moved").suffix(3).map(\.eventType.rawValue) == [
                "WorkflowTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted",
            ])
            #expect(throws: StoreError.self) { try outcomes["stale"]?.get() }
            // The steps that wrote did so in one transaction: their run rows carry its id.
            let writers = (nexts + ["closing"]).map { "'\($0)'" }.joined(separator: ", ")
            let transactions = try await env.store.client.query(
                PostgresQuery(unsafeSQL: "SELECT count(DISTINCT xmin::text)::int FROM reprise.workflow_executions WHERE workflow_id IN (\(writers))"))
            for try await count in transactions.decode(Int.self) { #expect(count == 1) }
        }
    }

    @Test func aStepThatFailsInABatchFailsAloneAndTheOthersAreWritten() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            // "conflict" queues activity 2 in its first task, and its step schedules activity 2 again.
            let steps: [String: (first: WorkflowTaskCompletion, commands: [Command])] = [
                "fine": (try await firstTask(env, "fine", commands: [schedule(1)], eagerLimit: 1), [schedule(2)]),
                "conflict": (try await firstTask(env, "conflict", commands: [schedule(1), schedule(2)], eagerLimit: 1), [schedule(2)]),
            ]
            let outcomes = try await stepTogether(env, steps)
            #expect(try outcomes["fine"]?.get()?.eagerActivities.map(\.activityId) == ["2"])
            #expect(throws: PSQLError.self) { try outcomes["conflict"]?.get() }
            #expect(try await env.history("conflict").suffix(3).map(\.eventType) == [
                .workflowTaskCompleted, .activityTaskScheduled, .activityTaskScheduled,
            ])
        }
    }

    @Test func aFailingInlineWorkflowTaskIsQueuedForAFreshReplay() async throws {
        try await TestEnvironment.run(workflows: [BuggySecondStep.self], startWorker: false, skipTime: false) { env in
            // The run's first task, run by its code on a worker's cached run: it schedules Greet.
            try await env.start(BuggySecondStep.self, id: "buggy", input: "b")
            let task = try #require(
                try await env.store.pollWorkflowTasks(taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name, BuggySecondStep.name], owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now).first)
            let run = WorkflowRun(
                workflow: AnyWorkflow(BuggySecondStep.self),
                info: WorkflowInfo(namespace: "default", workflowId: "buggy", runId: task.runId.uuidString.lowercased(), workflowType: BuggySecondStep.name,
                    taskQueue: env.taskQueue), logger: env.logger)
            let started = HistoryEvent(
                eventId: task.nextEventId, eventTime: env.clock.now,
                attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "w")))
            let commands = try run.activate(with: try await env.store.history(runId: task.runId) + [started])
            let completion = try await env.store.completeWorkflowTask(
                task, started: started, commands: commands, identity: "w", eager: EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: 1, activityTypes: [Greet.name]),
                at: env.clock.now)
            let activity = try #require(completion.eagerActivities.first)
            // Greet completes: the cached run's code now schedules an activity without a timeout, a
            // bug that fails the workflow task. The worker decides no step, and completes plain.
            let worker = Worker(
                store: env.store, configuration: .init(taskQueue: env.taskQueue), workflows: WorkflowRegistry([BuggySecondStep.self]),
                activities: ActivityRegistry([]), clock: env.clock, logger: env.logger)
            let cached = RunCache.Entry(run: run, unseen: completion.events.filter { $0.eventId > run.lastEventId })
            #expect(worker.decideStep(after: activity, result: .string("done"), on: cached, at: env.clock.now, logger: env.logger) == nil)
            let result = try await env.store.completeActivity(activity, result: .string("done"), identity: "w", at: env.clock.now)
            #expect(result == nil)
            // The activity's result is kept; the workflow task waits for a worker, and nothing of
            // the failed inline attempt was written.
            let types = try await env.history("buggy").suffix(3).map(\.eventType.rawValue)
            #expect(types == ["ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled"])
            let queued = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name, BuggySecondStep.name], owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            #expect(queued.count == 1)
        }
    }
}

