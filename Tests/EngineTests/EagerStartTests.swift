import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workers
import Workflow

@testable import Store

/// Eager start (docs/design.md, "Transaction boundaries"): a worker in the starting process runs
/// the run's first workflow task and writes it with the start, in one statement, leasing the first
/// activity to itself.
@Suite("Eager start: the first workflow task inside the start")
struct EagerStartTests {
    private func request(_ type: any Workflow.Type, id: String, input: Payload, env: TestEnvironment,
        conflict: WorkflowIdConflictPolicy = .fail) -> StartWorkflowRequest
    {
        StartWorkflowRequest(
            namespace: env.namespace, workflowId: id, workflowType: type.name, taskQueue: env.taskQueue, input: input,
            idConflictPolicy: conflict)
    }

    private func runningWorker(_ env: TestEnvironment) async throws -> Worker {
        let worker = env.launchWorker().worker
        try await env.waitUntil("the worker runs") { worker.acceptsEagerStarts }
        return worker
    }

    @Test func anEagerStartWritesTheFirstTaskAndRunsItsActivityAtOnce() async throws {
        let log = CallLog()
        // No timer here: the virtual clock stays put, so no lease can pass while a step runs.
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false, skipTime: false) { env in
            let worker = try await runningWorker(env)
            let started = try await worker.startWorkflow(request(ThreeSteps.self, id: "eager", input: .string("e"), env: env), at: env.clock.now)
            #expect(started.started)
            #expect(try await env.result(ThreeSteps.self, id: "eager") == ["hello e-one", "hello e-two", "hello e-three"])
            #expect(worker.statistics.eagerStarts == 1)
            // The first task's activity was leased by the start, each later one by the step before.
            #expect(worker.statistics.eagerActivities == 3)
            let history = try await env.history("eager")
            #expect(
                history.prefix(6).map(\.eventType) == [
                    .workflowExecutionStarted, .workflowTaskScheduled, .workflowTaskStarted, .workflowTaskCompleted, .activityTaskScheduled,
                    .activityTaskStarted,
                ])
            #expect(history.map(\.eventId) == Array(1...Int64(history.count)), "event ids are dense")
            // The history replays as the code runs it.
            try WorkflowReplayer(registry: WorkflowRegistry([ThreeSteps.self])).replay(History(events: history))
        }
    }

    @Test func anEagerStartWhoseFirstTaskEndsTheRunClosesIt() async throws {
        try await TestEnvironment.run(workflows: [Immediate.self], startWorker: false) { env in
            let worker = try await runningWorker(env)
            let started = try await worker.startWorkflow(request(Immediate.self, id: "now", input: .string("x"), env: env), at: env.clock.now)
            // Closed by the start's own statement: no task was queued for a poll.
            let description = try await env.describe("now")
            #expect(description.runId == started.runId)
            #expect(description.status == .completed)
            #expect(description.result == .string("done x"))
            #expect(worker.statistics.eagerStarts == 1)
            let tasks = try await env.store.pollWorkflowTasks(
                taskQueue: env.taskQueue, workflowTypes: [Immediate.name], owner: "probe", limit: 10, leaseDuration: .seconds(5), at: env.clock.now)
            #expect(tasks.isEmpty)
            #expect(try await env.history("now").last?.eventType == .workflowExecutionCompleted)
        }
    }

    @Test func anEagerStartOfARunningIdWritesNothingAndFollowsThePolicy() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self], activities: [Greet(log: log)], startWorker: false) { env in
            let first = try await env.start(ThreeSteps.self, id: "twice", input: "a")
            let before = try await env.history("twice")
            let worker = try await runningWorker(env)
            let refused = await #expect(throws: StoreError.self) {
                try await worker.startWorkflow(request(ThreeSteps.self, id: "twice", input: .string("b"), env: env), at: env.clock.now)
            }
            #expect(refused?.code == .workflowAlreadyStarted)
            let existing = try await worker.startWorkflow(
                request(ThreeSteps.self, id: "twice", input: .string("b"), env: env, conflict: .useExisting), at: env.clock.now)
            #expect(existing == StartWorkflowResult(runId: first.runId, started: false))
            #expect(worker.statistics.eagerStarts == 0)
            // The open run goes on with its own input; the speculative runs were dropped.
            #expect(try await env.result(ThreeSteps.self, id: "twice") == ["hello a-one", "hello a-two", "hello a-three"])
            #expect(try await env.history("twice").prefix(before.count).map(\.eventType) == before.map(\.eventType))
        }
    }

    @Test func aFirstTaskThatNeedsMoreThanOneStatementIsStartedPlain() async throws {
        try await TestEnvironment.run(workflows: [SleepDays.self, AlwaysBuggy.self], startWorker: false) { env in
            let worker = try await runningWorker(env)
            // A timer needs its own row: the start is written alone and a poll runs the task.
            try await worker.startWorkflow(request(SleepDays.self, id: "sleeper", input: .int(1), env: env), at: env.clock.now)
            #expect(try await env.result(SleepDays.self, id: "sleeper") == "slept 86400.0")
            // Code that fails its first task: the start is written alone and the failure recorded as usual.
            try await worker.startWorkflow(request(AlwaysBuggy.self, id: "buggy", input: .string("x"), env: env), at: env.clock.now)
            try await env.waitUntil("the buggy task fails") {
                try await env.history("buggy").contains { $0.eventType == .workflowTaskFailed }
            }
            #expect(worker.statistics.eagerStarts == 0)
        }
    }

    /// Runs the starts at once, so that they go in one batch; each returns its result or error.
    private func startTogether(_ env: TestEnvironment, _ starts: [String: @Sendable () async throws -> StartWorkflowResult]) async throws
        -> [String: Result<StartWorkflowResult, any Error>]
    {
        let placeholder = StartRuns.Start(
            run: ExecutionsTable.Insert(
                runId: UUID(), namespace: "", workflowId: "", workflowType: "", taskQueue: "", input: nil, startTime: env.clock.now,
                executionDeadline: nil, searchAttributes: nil, memo: nil), events: [], channel: "")
        var calls: [String: @Sendable () async -> Result<StartWorkflowResult, any Error>] = [:]
        for (key, start) in starts {
            calls[key] = {
                do { return .success(try await start()) } catch { return .failure(error) }
            }
        }
        return try await inOneBatch(
            env.store.startWriter, placeholder: placeholder, placeholderOutcome: .init(runId: nil, namespaceExists: true), calls: calls)
    }

    @Test func startsThatArriveTogetherShareOneStatementAndEachGetsItsOwnOutcome() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [ThreeSteps.self, Immediate.self], activities: [Greet(log: log)], startWorker: false) { env in
            let open = try await env.start(ThreeSteps.self, id: "open", input: "o")
            let worker = try await runningWorker(env)
            let now = env.clock.now
            var unknownNamespace = request(Immediate.self, id: "lost", input: .string("x"), env: env)
            unknownNamespace.namespace = "nowhere"
            let elsewhere = unknownNamespace
            let outcomes = try await startTogether(env, [
                "eager-a": { try await worker.startWorkflow(request(ThreeSteps.self, id: "eager-a", input: .string("a"), env: env), at: now) },
                "eager-b": { try await worker.startWorkflow(request(ThreeSteps.self, id: "eager-b", input: .string("b"), env: env), at: now) },
                "closed": { try await worker.startWorkflow(request(Immediate.self, id: "closed", input: .string("c"), env: env), at: now) },
                "plain": { try await env.store.startWorkflow(request(ThreeSteps.self, id: "plain", input: .string("p"), env: env), at: now) },
                "refused": { try await env.store.startWorkflow(request(ThreeSteps.self, id: "open", input: .string("r"), env: env), at: now) },
                "existing": {
                    try await env.store.startWorkflow(request(ThreeSteps.self, id: "open", input: .string("e"), env: env, conflict: .useExisting), at: now)
                },
                "lost": { try await env.store.startWorkflow(elsewhere, at: now) },
            ])
            for key in ["eager-a", "eager-b", "closed", "plain"] {
                #expect(try outcomes[key]?.get().started == true, "\(key) started")
            }
            #expect(try outcomes["existing"]?.get() == StartWorkflowResult(runId: open.runId, started: false))
            #expect((outcomes["refused"].flatMap { try? $0.get() }) == nil)
            #expect(throws: StoreError.self) { try outcomes["refused"]?.get() }
            #expect(throws: StoreError.self) { try outcomes["lost"]?.get() }
            #expect(worker.statistics.eagerStarts == 3)
            #expect(try await env.describe("closed").status == .completed)
            // Every run goes on: the eager ones on their leased activities, the plain one from a poll.
            for id in ["eager-a", "eager-b", "plain", "open"] {
                #expect(try await env.result(ThreeSteps.self, id: id).count == 3)
            }
            // The new runs were inserted by one transaction: their first events carry its id.
            let transactions = try await env.store.client.query(
                """
                SELECT count(DISTINCT h.xmin::text)::int FROM reprise.history_events h JOIN reprise.workflow_executions w USING (run_id)
                WHERE h.event_id = 1 AND w.workflow_id IN ('eager-a', 'eager-b', 'closed', 'plain')
                """)
            for try await count in transactions.decode(Int.self) { #expect(count == 1) }
        }
    }

    @Test func twoStartsOfOneNewIdInABatchStartOneRun() async throws {
        try await TestEnvironment.run(workflows: [Immediate.self, ThreeSteps.self], startWorker: false, skipTime: false) { env in
            let now = env.clock.now
            let outcomes = try await startTogether(env, [
                "first": { try await env.store.startWorkflow(request(ThreeSteps.self, id: "same", input: .string("1"), env: env), at: now) },
                "second": { try await env.store.startWorkflow(request(ThreeSteps.self, id: "same", input: .string("2"), env: env), at: now) },
                "other": { try await env.store.startWorkflow(request(ThreeSteps.self, id: "other", input: .string("3"), env: env), at: now) },
            ])
            // The batch failed on the duplicate; each start was then written alone.
            #expect(try outcomes["other"]?.get().started == true)
            let started = ["first", "second"].compactMap { try? outcomes[$0]?.get() }
            #expect(started.count == 1)
            let refused = ["first", "second"].compactMap { key -> StoreError? in
                guard case .failure(let error)? = outcomes[key] else { return nil }
                return error as? StoreError
            }
            #expect(refused.map(\.code) == [.workflowAlreadyStarted])
            #expect(try await env.describe("same").runId == started.first?.runId)
        }
    }
}
