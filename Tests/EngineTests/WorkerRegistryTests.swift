import Foundation
import RepriseTesting
import Testing
import Workflow

@testable import Store
@testable import Workers

/// Workers take only what they can run (issue 18): a worker polls and is eagerly handed only the
/// workflow and activity types it registered, so workers with different registries share a queue;
/// and each announces itself with a heartbeat while it runs.
@Suite("Workers take only what they can run")
struct WorkerRegistryTests {
    private func start(_ env: TestEnvironment, _ type: String, id: String, input: String = "x") async throws {
        try await env.store.startWorkflow(
            StartWorkflowRequest(workflowId: id, workflowType: type, taskQueue: env.taskQueue, input: .string(input)), at: env.clock.now)
    }

    /// The events a run's history holds that a worker without its type would have written.
    private func unknownTypeFailures(_ env: TestEnvironment, _ id: String) async throws -> [HistoryEvent] {
        let failures: Set<EventType> = [.workflowTaskFailed, .activityTaskFailed, .activityTaskDeadLettered]
        return try await env.history(id).filter { failures.contains($0.eventType) }
    }

    @Test func twoWorkersWithDifferentRegistriesOnOneQueueEachRunOnlyTheirOwnTypes() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [], startWorker: false, skipTime: false) { env in
            env.launchWorker(identity: "alpha-worker", workflows: [AlphaFlow.self], activities: [AlphaStep(log: log)])
            env.launchWorker(identity: "beta-worker", workflows: [BetaFlow.self], activities: [BetaStep(log: log)])
            let ids = (0..<8).flatMap { ["alpha-\($0)", "beta-\($0)"] }
            for id in ids { try await start(env, id.hasPrefix("alpha") ? AlphaFlow.name : BetaFlow.name, id: id, input: id) }
            for id in ids {
                let closed = try await env.waitForClose(id)
                #expect(closed.status == .completed, "\(id): \(closed.status) \(closed.failure?.message ?? "")")
                #expect(try await unknownTypeFailures(env, id).isEmpty, "\(id) was handed to a worker without its type")
                let owner = id.hasPrefix("alpha") ? "alpha-worker" : "beta-worker"
                let identities = try await env.history(id).compactMap { event -> String? in
                    if case .workflowTaskStarted(let started) = event.attributes { return started.identity }
                    if case .activityTaskStarted(let started) = event.attributes { return started.identity }
                    return nil
                }
                #expect(!identities.isEmpty && identities.allSatisfy { $0 == owner }, "\(id) ran on \(identities)")
            }
            #expect(log.count("AlphaStep:alpha-0") == 1 && log.count("BetaStep:beta-0") == 1)
        }
    }

    /// A workflow's activity that only another worker registered is neither leased eagerly to the
    /// worker that scheduled it nor polled by it: the other worker runs it, first attempt.
    @Test func anActivityOnlyAnotherWorkerRegisteredRunsThere() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [], startWorker: false, skipTime: false) { env in
            env.launchWorker(identity: "workflow-worker", workflows: [CallsBeta.self], activities: [AlphaStep(log: log)])
            env.launchWorker(identity: "beta-worker", workflows: [], activities: [BetaStep(log: log)])
            try await start(env, CallsBeta.name, id: "mixed", input: "m")
            let closed = try await env.waitForClose("mixed")
            #expect(closed.status == .completed, "\(closed.status) \(closed.failure?.message ?? "")")
            #expect(try await unknownTypeFailures(env, "mixed").isEmpty)
            #expect(log.attempts("BetaStep:m") == [1])
        }
    }

    /// A run of a type no worker registered waits, untouched, however often the workers poll; it
    /// is never failed or Paused for its type.
    @Test func aRunOfATypeNoWorkerRegisteredWaitsUntouched() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [], startWorker: false, skipTime: false, configure: { $0.maxWorkflowTaskAttempts = 2 }) { env in
            let alpha = env.launchWorker(identity: "alpha-worker", workflows: [AlphaFlow.self], activities: [AlphaStep(log: log)])
            try await start(env, BetaFlow.name, id: "orphan")
            try await start(env, AlphaFlow.name, id: "served")
            #expect(try await env.waitForClose("served").status == .completed)
            for _ in 0..<5 {
                alpha.worker.wake()
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await env.describe("orphan").status == .running)
            #expect(try await env.history("orphan").map(\.eventType) == [.workflowExecutionStarted, .workflowTaskScheduled])
        }
    }

    @Test func aWorkersHeartbeatAppearsWhileItRunsAndGoesWhenItStopsOrDies() async throws {
        try await TestEnvironment.run(
            workflows: [], startWorker: false, skipTime: false,
            configure: {
                $0.workerHeartbeatInterval = .milliseconds(100)
                // Generous beside the interval, so that a loaded machine's late heartbeat does not
                // take a running worker off the list.
                $0.workerLiveness = .seconds(3)
                $0.build = "build-42"
            }
        ) { env in
            try await env.store.createNamespace("other")
            let graceful = env.launchWorker(identity: "graceful", workflows: [AlphaFlow.self], activities: [AlphaStep(log: CallLog())])
            let doomed = env.launchWorker(identity: "doomed", namespaces: ["default", "other"], workflows: [BetaFlow.self], activities: [])
            func live(_ namespace: String = "default") async throws -> [String: LiveWorker] {
                Dictionary(uniqueKeysWithValues: try await env.store.liveWorkers(namespace: namespace).map { ($0.identity, $0) })
            }
            try await env.waitUntil("both workers are listed") { try await live().count == 2 }
            let announced = try #require(try await live()["graceful"])
            #expect(announced.taskQueue == env.taskQueue && announced.namespace == "default")
            #expect(announced.workflowTypes == [AlphaFlow.name] && announced.activityTypes == [AlphaStep.name])
            #expect(announced.build == "build-42")
            #expect(announced.expiresAt > announced.lastSeen)
            #expect(try await live("other").keys.sorted() == ["doomed"])
            // The heartbeat goes on: last seen moves.
            try await env.waitUntil("a later heartbeat") { try await live()["graceful"].map { $0.lastSeen > announced.lastSeen } ?? false }

            // A graceful stop takes the worker off the list at once.
            await graceful.shutdown()
            #expect(try await live()["graceful"] == nil)
            // A killed worker says nothing: its rows stay (no other worker runs in its namespaces
            // to delete them), and it is listed until its liveness runs out.
            await doomed.kill()
            #expect(try await heartbeatRows(env, identity: "doomed") == 2)
            try await env.waitUntil("the dead worker expires", timeout: .seconds(30)) {
                let inDefault = try await live()["doomed"]
                let inOther = try await live("other")
                return inDefault == nil && inOther.isEmpty
            }
            // Its rows go with the next heartbeat in their namespace.
            #expect(try await heartbeatRows(env, identity: "doomed") == 2)
            env.launchWorker(identity: "sweeper", namespaces: ["default"], workflows: [AlphaFlow.self], activities: [])
            try await env.waitUntil("the dead worker's row in default is deleted") { try await heartbeatRows(env, identity: "doomed") == 1 }
        }
    }

    @Test func aHeartbeatWithoutANamespaceOrWithAnOversizedLabelIsRefused() async throws {
        try await TestEnvironment.run(workflows: [], startWorker: false, skipTime: false) { env in
            let good = WorkerHeartbeat(identity: "w", namespaces: ["default"], taskQueue: "q", workflowTypes: [], activityTypes: [], build: "b")
            var bad = [good, good, good]
            bad[0].namespaces = []
            bad[1].identity = ""
            bad[2].build = String(repeating: "b", count: Store.maxWorkerLabelBytes + 1)
            for heartbeat in bad {
                await #expect(throws: StoreError.self) { try await env.store.recordWorkerHeartbeat(heartbeat, liveFor: .seconds(5)) }
            }
            await #expect(throws: StoreError.self) { try await env.store.recordWorkerHeartbeat(good, liveFor: .zero) }
            #expect(try await env.store.liveWorkers(namespace: "default").isEmpty)
            try await env.store.recordWorkerHeartbeat(good, liveFor: .seconds(5))
            #expect(try await env.store.liveWorkers(namespace: "default").map(\.identity) == ["w"])
        }
    }

    /// Rows of `identity` in `worker_heartbeats`, live or not.
    private func heartbeatRows(_ env: TestEnvironment, identity: String) async throws -> Int {
        var count = 0
        for try await _ in try await env.store.client.query(
            "SELECT 1 FROM reprise.worker_heartbeats WHERE identity = \(identity)", logger: env.logger)
        {
            count += 1
        }
        return count
    }
}

struct AlphaStep: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        log.record("AlphaStep:\(input)", attempt: ActivityContext.current?.info.attempt ?? 0)
        return "alpha \(input)"
    }
}

struct BetaStep: Activity {
    let log: CallLog
    func run(input: String) async throws -> String {
        log.record("BetaStep:\(input)", attempt: ActivityContext.current?.info.attempt ?? 0)
        return "beta \(input)"
    }
}

/// One attempt only: a worker that fails it for its type would fail the run.
private let oneAttempt = ActivityOptions(startToCloseTimeout: .seconds(10), retryPolicy: RetryPolicy(maximumAttempts: 1))

struct AlphaFlow: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(AlphaStep.self, input, options: oneAttempt)
    }
}

struct BetaFlow: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(BetaStep.self, input, options: oneAttempt)
    }
}

/// A workflow whose activity its own worker does not run.
struct CallsBeta: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(BetaStep.self, input, options: oneAttempt)
    }
}
