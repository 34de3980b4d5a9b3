import Foundation
import RepriseTesting
import Testing
import Workflow

@testable import Store
@testable import Workers

/// Task queues per namespace (issue 15): a worker takes only the tasks of the namespaces it
/// serves, and one namespace's backlog on a queue name does not starve another's.
@Suite("Namespaced task queues and fair dequeue")
struct NamespaceQueueTests {
    private func start(_ env: TestEnvironment, namespace: String, id: String, input: String = "x") async throws -> StartWorkflowResult {
        try await env.store.startWorkflow(
            StartWorkflowRequest(
                namespace: namespace, workflowId: id, workflowType: ThreeSteps.name, taskQueue: env.taskQueue, input: .string(input)),
            at: env.clock.now)
    }

    private func status(_ env: TestEnvironment, namespace: String, id: String) async throws -> WorkflowStatus {
        try await env.store.describe(namespace: namespace, workflowId: id).status
    }

    @Test func aWorkerForBNeverRunsARunStartedInAOnTheSameQueue() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false) { env in
            try await env.store.createNamespace("a")
            try await env.store.createNamespace("b")
            try await start(env, namespace: "a", id: "from-a", input: "a")
            let workerB = env.launchWorker(identity: "worker-b", namespaces: ["b"])
            try await env.waitUntil("worker B runs") { workerB.worker.acceptsEagerStarts }
            // B's worker is up and working: B's run on the same queue name completes.
            try await start(env, namespace: "b", id: "from-b", input: "b")
            try await env.waitUntil("B's run completes") { try await status(env, namespace: "b", id: "from-b") == .completed }
            // A start in A handed to B's worker is not run there (no eager start).
            let handed = try await workerB.worker.startWorkflow(
                StartWorkflowRequest(namespace: "a", workflowId: "handed-to-b", workflowType: ThreeSteps.name, taskQueue: env.taskQueue,
                    input: .string("h")), at: env.clock.now)
            #expect(handed.started)
            #expect(workerB.worker.statistics.eagerStarts == 0)
            // Give B's worker polls that could take A's tasks: they stay pending, untouched.
            for _ in 0..<5 {
                workerB.worker.wake()
                try await Task.sleep(for: .milliseconds(50))
            }
            for id in ["from-a", "handed-to-b"] {
                #expect(try await status(env, namespace: "a", id: id) == .running)
                let runId = try await env.store.describe(namespace: "a", workflowId: id).runId
                #expect(try await env.store.history(runId: runId).map(\.eventType) == [.workflowExecutionStarted, .workflowTaskScheduled])
            }
            #expect(log.count("Greet:a-one") == 0)
            // An A worker comes and runs both.
            env.launchWorker(identity: "worker-a", namespaces: ["a"])
            try await env.waitUntil("A's runs complete") {
                let first = try await status(env, namespace: "a", id: "from-a")
                let handed = try await status(env, namespace: "a", id: "handed-to-b")
                return first == .completed && handed == .completed
            }
            #expect(log.count("Greet:a-three") == 1)
        }
    }

    @Test func aWorkerForBothNamespacesRunsBoth() async throws {
        let log = CallLog()
        try await TestEnvironment.run(
            workflows: [ThreeSteps.self], activities: [Greet(log: log)], configure: { $0.namespaces = ["a", "b"] }
        ) { env in
            try await env.store.createNamespace("a")
            try await env.store.createNamespace("b")
            try await start(env, namespace: "a", id: "one", input: "a")
            try await start(env, namespace: "b", id: "one", input: "b")
            try await env.waitUntil("both runs complete") {
                let a = try await status(env, namespace: "a", id: "one")
                let b = try await status(env, namespace: "b", id: "one")
                return a == .completed && b == .completed
            }
            #expect(log.count("Greet:a-three") == 1)
            #expect(log.count("Greet:b-three") == 1)
        }
    }

    @Test func anActivityTaskIsPolledOnlyForItsRunsNamespace() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            try await env.store.createNamespace("a")
            try await start(env, namespace: "a", id: "acts")
            #expect(try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, namespaces: ["b"], workflowTypes: [ThreeSteps.name], owner: "b", limit: 10, leaseDuration: .seconds(5), at: env.clock.now).isEmpty)
            let task = try #require(
                try await env.store.pollWorkflowTasks(
                    taskQueue: env.taskQueue, namespaces: ["a"], workflowTypes: [ThreeSteps.name], owner: "a", limit: 10, leaseDuration: .seconds(5), at: env.clock.now
                ).first)
            let started = HistoryEvent(
                eventId: task.nextEventId, eventTime: env.clock.now,
                attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: "a")))
            try await env.store.completeWorkflowTask(
                task, started: started,
                commands: [.scheduleActivity(.init(seq: 1, activityType: Greet.name, input: .string("x"), options: tenSeconds))],
                identity: "a", at: env.clock.now)
            let forB = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, namespaces: ["b"], activityTypes: [Greet.name], owner: "b", limit: 10, at: env.clock.now)
            #expect(forB.isEmpty)
            let forA = try await env.store.pollActivityTasks(taskQueue: env.taskQueue, namespaces: ["a"], activityTypes: [Greet.name], owner: "a", limit: 10, at: env.clock.now)
            #expect(forA.map(\.info.namespace) == ["a"])
        }
    }

    /// 2,000 tasks queued in A before B's one: B's is taken in the first poll of 16, and a worker
    /// with one free slot per poll takes it within two polls (its polls alternate which namespace
    /// goes first). Before namespaced polls, B's task was the 2,001st in line.
    @Test func aFloodedNamespaceDoesNotStarveAQuietOne() async throws {
        try await TestEnvironment.run(workflows: [ThreeSteps.self], startWorker: false, skipTime: false) { env in
            try await env.store.createNamespace("a")
            try await env.store.createNamespace("b")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<20 {
                    group.addTask {
                        for n in 0..<100 { try await start(env, namespace: "a", id: "flood-\(lane)-\(n)") }
                    }
                }
                try await group.waitForAll()
            }
            env.clock.advance(by: .seconds(1))
            let quiet = try await start(env, namespace: "b", id: "quiet").runId
            func poll(_ namespaces: [String], limit: Int) async throws -> [WorkflowTask] {
                try await env.store.pollWorkflowTasks(
                    taskQueue: env.taskQueue, namespaces: namespaces, workflowTypes: [ThreeSteps.name], owner: "w", limit: limit, leaseDuration: .seconds(60), at: env.clock.now)
            }
            let first = try await poll(["a", "b"], limit: 16)
            #expect(first.count == 16)
            #expect(first.filter { $0.runId == quiet }.count == 1, "B's task is in the first poll")
            #expect(first.filter { $0.namespace == "a" }.count == 15)

            // The same with one slot per poll: start over with B's task ready again.
            try await env.store.releaseWorkflowTask(try #require(first.first { $0.runId == quiet }), at: env.clock.now)
            let worker = Worker(
                store: env.store, configuration: .init(taskQueue: env.taskQueue, namespaces: ["a", "b"]), workflows: WorkflowRegistry([]),
                activities: ActivityRegistry([]), clock: env.clock, logger: env.logger)
            var polls = 0
            var taken = false
            while !taken && polls < 10 {
                polls += 1
                taken = try await poll(worker.servedInTurn(worker.workflowPollTurn), limit: 1).contains { $0.runId == quiet }
            }
            #expect(taken)
            #expect(polls <= 2, "B's task waited \(polls) polls")
        }
    }
}
