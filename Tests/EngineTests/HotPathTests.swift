import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

/// Design §11's shortcuts: an activity's completion runs the cached run's next workflow task in
/// the same transaction, and a workflow task leases the activities it schedules to its worker.
@Suite("Hot path: inline workflow tasks and eager activities")
struct HotPathTests {
    @Test func eachStepOfACachedRunIsOneTransactionOnItsWorker() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false) { env in
            let running = env.launchWorker()
            try await env.start(ThreeSteps.self, id: "inline", input: "i")
            #expect(try await env.result(ThreeSteps.self, id: "inline") == ["hello i-one", "hello i-two", "hello i-three"])
            // The first workflow task leased activity one; each completion ran the next task inline
            // (the last one completing the run) and leased the next activity.
            #expect(running.worker.statistics.eagerActivities == 3)
            #expect(running.worker.statistics.inlineWorkflowTasks == 3)
            // Nothing was left to poll.
            let leftovers = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, owner: "probe", limit: 10, at: env.clock.now)
            #expect(leftovers.isEmpty)
        }
    }

    /// Polls the run's first workflow task and completes it with `commands`, taking up to
    /// `eagerLimit` of the activities it schedules.
    private func firstTask(_ env: TestEnvironment, _ id: String, commands: [Command], eagerLimit: Int) async throws -> WorkflowTaskCompletion {
        try await env.start(ThreeSteps.self, id: id, input: id)
        let tasks = try await env.store.pollWorkflowTasks(
            taskQueue: env.taskQueue, owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
        let task = try #require(tasks.first)
        let started = HistoryEvent(
            eventId: task.nextEventId, eventTime: env.clock.now,
            attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "w")))
        return try await env.store.completeWorkflowTask(
            task, started: started, commands: commands, identity: "w",
            eager: EagerActivities(owner: "w", taskQueue: env.taskQueue, limit: eagerLimit), at: env.clock.now)
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
            let polled = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, owner: "other", limit: 10, at: env.clock.now)
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
            let ran = Shared(false)
            let inline = InlineWorkflowTask(expectedNextEventId: known, eager: nil) { _ in
                ran.update { $0 = true }
                return []
            }
            let result = try await env.store.completeActivity(activity, result: .string("done"), identity: "w", inline: inline, at: env.clock.now)
            #expect(result == nil)
            #expect(!ran.value, "workflow code must not run on a history it has not seen")
            let types = try await env.history("moved").suffix(4).map(\.eventType.rawValue)
            #expect(types == ["WorkflowExecutionSignaled", "WorkflowTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted"])
            let queued = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            #expect(queued.count == 1)
        }
    }

    @Test func aFailingInlineWorkflowTaskIsQueuedForAFreshReplay() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let completion = try await firstTask(env, "buggy", commands: [schedule(1)], eagerLimit: 1)
            let activity = try #require(completion.eagerActivities.first)
            let inline = InlineWorkflowTask(expectedNextEventId: try #require(completion.events.last).eventId + 1, eager: nil) { _ in
                throw WorkflowTaskError(code: .nonDeterminism, message: "simulated")
            }
            let result = try await env.store.completeActivity(activity, result: .string("done"), identity: "w", inline: inline, at: env.clock.now)
            #expect(result == nil)
            // The activity's result is kept; the workflow task waits for a worker, and nothing of
            // the failed inline attempt was written.
            let types = try await env.history("buggy").suffix(3).map(\.eventType.rawValue)
            #expect(types == ["ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled"])
            let queued = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            #expect(queued.count == 1)
        }
    }
}
