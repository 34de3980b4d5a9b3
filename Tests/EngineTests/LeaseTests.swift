import Foundation
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@Suite("Leases, crashes and stuck tasks")
struct LeaseTests {
    @Test func aKilledWorkerIsReplacedByReplayWithoutRerunningCompletedActivities() async throws {
        let log = CallLog()
        let gate = Gate(log: log)
        try await TestEnvironment.run(workflows: [GatedSteps.self], activities: [Greet(log: log), gate], startWorker: false) { env in
            let first = env.launchWorker(identity: "worker-1")
            try await env.start(GatedSteps.self, id: "gated", input: "g")
            try await env.waitUntil("the gate activity runs on worker 1") { log.count("Gate:g") == 1 }
            await first.kill()
            gate.open.update { $0 = true }
            env.launchWorker(identity: "worker-2")
            let result = try await env.result(GatedSteps.self, id: "gated")
            #expect(result == ["hello g-before", "passed g", "hello g-after"])
            // The first activity completed before the crash and never ran again; the gate ran
            // again as attempt 2 after its lease expired.
            #expect(log.count("Greet:g-before") == 1)
            #expect(log.attempts("Gate:g") == [1, 2])
            let identities = try await env.history("gated").compactMap { event -> String? in
                if case .workflowTaskCompleted(let attributes) = event.attributes { return attributes.identity }
                return nil
            }
            #expect(identities.contains("worker-2"))
        }
    }

    @Test func aStaleCompletionAfterTheLeaseExpiredIsRefused() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false, skipTime: false) { env in
            try await env.start(ThreeSteps.self, id: "stale", input: "s")
            let store = env.store
            // Worker A leases the workflow task, then its lease expires and worker B takes it.
            let a = try await store.pollWorkflowTasks(taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name], owner: "a", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            try #require(a.count == 1)
            env.clock.advance(by: .seconds(6))
            let b = try await store.pollWorkflowTasks(taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name], owner: "b", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            try #require(b.count == 1)
            let started = HistoryEvent(
                eventId: a[0].nextEventId, eventTime: env.clock.now, attributes: .workflowTaskStarted(.init(scheduledEventId: 2)))
            let error = await #expect(throws: StoreError.self) {
                try await store.completeWorkflowTask(a[0], started: started, commands: [], identity: "a", at: env.clock.now)
            }
            #expect(error?.code == .staleTask)
            try await store.completeWorkflowTask(b[0], started: started, commands: [], identity: "b", at: env.clock.now)
        }
    }

    @Test func twoWorkersNeverBothCompleteTheSameAttempt() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            try await env.start(ThreeSteps.self, id: "race", input: "r")
            let store = env.store
            let wt = try await store.pollWorkflowTasks(taskQueue: env.taskQueue, workflowTypes: [ThreeSteps.name], owner: "w", limit: 1, leaseDuration: .seconds(5), at: env.clock.now)
            try #require(wt.count == 1)
            let schedule = Command.scheduleActivity(.init(seq: 1, activityType: "Greet", input: .string("r"), options: tenSeconds))
            try await store.completeWorkflowTask(
                wt[0], started: HistoryEvent(eventId: wt[0].nextEventId, eventTime: env.clock.now, attributes: .workflowTaskStarted(.init(scheduledEventId: 2))),
                commands: [schedule], identity: "w", at: env.clock.now)
            // Both workers poll at once: the attempt is leased to one of them only.
            async let first = store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "one", limit: 1, at: env.clock.now)
            async let second = store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "two", limit: 1, at: env.clock.now)
            let leased = try await first + second
            try #require(leased.count == 1)
            // Its lease expires; the reaper ends the attempt and the retry goes to another worker.
            env.clock.advance(by: .seconds(11))
            try await store.reapActivities(at: env.clock.now)
            // The background reaper may time the attempt out at a later clock reading than this
            // one, so step the clock until the retry's backoff has passed.
            var retry: [ActivityTask] = []
            for _ in 0..<10 where retry.isEmpty {
                env.clock.advance(by: .seconds(2))
                retry = try await store.pollActivityTasks(taskQueue: env.taskQueue, activityTypes: [Greet.name], owner: "two", limit: 1, at: env.clock.now)
            }
            try #require(retry.first?.attempt == 2)
            let stale = await #expect(throws: StoreError.self) {
                try await store.completeActivity(leased[0], result: .string("late"), identity: "one", at: env.clock.now)
            }
            #expect(stale?.code == .staleTask)
            try await store.completeActivity(retry[0], result: .string("on time"), identity: "two", at: env.clock.now)
            let completions = try await env.history("race").filter { $0.eventType == .activityTaskCompleted }
            #expect(completions.count == 1)
        }
    }

    @Test func aWorkflowTaskThatAlwaysFailsBacksOffThenPausesTheRun() async throws {
        try await TestEnvironment.run(workflows: [AlwaysBuggy.self], configure: { $0.maxWorkflowTaskAttempts = 3 }) { env in
            let start = env.clock.now
            try await env.start(AlwaysBuggy.self, id: "buggy", input: "x")
            try await env.waitUntil("the run is paused") { try await env.describe("buggy").status == .paused }
            let description = try await env.describe("buggy")
            #expect(description.taskFailure?.attempt == 3)
            #expect(description.taskFailure?.failure.message.contains("Bug") == true)
            let failures = try await env.history("buggy").filter { $0.eventType == .workflowTaskFailed }
            #expect(failures.count == 3)
            // Backoff 1 s then 2 s between attempts, and nothing after the pause.
            #expect(env.clock.now.timeIntervalSince(start) >= 3)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await env.history("buggy").filter { $0.eventType == .workflowTaskFailed }.count == 3)
            // An operator can resume it once fixed; here it fails again, proving a new task ran.
            try await env.store.resume(namespace: env.namespace, workflowId: "buggy", at: env.clock.now)
            try await env.waitUntil("the resumed run fails its task again") {
                try await env.history("buggy").filter { $0.eventType == .workflowTaskFailed }.count > 3
            }
        }
    }

    @Test func startingAnOpenWorkflowIdAgainFollowsThePolicies() async throws {
        // The clock stays put: a slow machine must not let the run's hour-long wait time out.
        try await TestEnvironment.run(workflows: [WaitForApproval.self], skipTime: false) { env in
            let first = try await env.start(WaitForApproval.self, id: "dup", input: 3600)
            let again = try await env.start(WaitForApproval.self, id: "dup", input: 3600, idConflictPolicy: .useExisting)
            #expect(again == StartWorkflowResult(runId: first.runId, started: false))
            let error = await #expect(throws: StoreError.self) { try await env.start(WaitForApproval.self, id: "dup", input: 3600) }
            #expect(error?.code == .workflowAlreadyStarted)
            #expect(error?.message.contains(first.runId.uuidString) == true)
            // After it closes, the default reuse policy allows a new run; RejectDuplicate does not.
            try await env.terminate("dup")
            let second = try await env.start(WaitForApproval.self, id: "dup", input: 3600)
            #expect(second.runId != first.runId && second.started)
            try await env.terminate("dup")
            let rejected = await #expect(throws: StoreError.self) {
                try await env.store.startWorkflow(
                    StartWorkflowRequest(workflowId: "dup", workflowType: WaitForApproval.name, taskQueue: env.taskQueue, idReusePolicy: .rejectDuplicate),
                    at: env.clock.now)
            }
            #expect(rejected?.code == .workflowAlreadyStarted)
        }
    }

    @Test func unknownNamespaceIsRefused() async throws {
        try await TestEnvironment.run(workflows: [WaitForApproval.self]) { env in
            let error = await #expect(throws: StoreError.self) {
                try await env.store.startWorkflow(
                    StartWorkflowRequest(namespace: "nope", workflowId: "a", workflowType: "T", taskQueue: "q"), at: env.clock.now)
            }
            #expect(error?.code == .namespaceNotFound)
        }
    }
}
