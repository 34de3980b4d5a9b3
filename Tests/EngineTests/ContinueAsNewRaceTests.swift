import Foundation
import PostgresNIO
import RepriseTesting
import Testing
import Workflow

@testable import Store
@testable import Workers

/// Signals and cancel requests that meet a continue-as-new: none is lost, none is delivered twice.
@Suite("Continue-as-new: signals and cancels during the switch")
struct ContinueAsNewRaceTests {
    /// Polls the run's workflow task and completes it with a continue-as-new (`SignalChain`, no
    /// runs left), as a worker would.
    private func completeWithContinueAsNew(_ env: TestEnvironment, _ task: WorkflowTask) async throws -> WorkflowTaskCompletion {
        let started = HistoryEvent(
            eventId: task.nextEventId, eventTime: env.clock.now, attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId)))
        let command = Command.ContinueAsNew(
            workflowType: SignalChain.name, taskQueue: env.taskQueue, input: try Payload(encoding: SignalChain.Input(runs: 0, expected: 1)))
        return try await env.store.completeWorkflowTask(task, started: started, commands: [.continueAsNew(command)], identity: "w", at: env.clock.now)
    }

    private func pollOne(_ env: TestEnvironment) async throws -> WorkflowTask {
        let tasks = try await env.store.pollWorkflowTasks(
            taskQueue: env.taskQueue, workflowTypes: [SignalChain.name, Forever.name], owner: "w", limit: 1, leaseDuration: .seconds(30),
            at: env.clock.now)
        return try #require(tasks.first)
    }

    @Test func aSignalThatArrivesWhileTheTaskRunsMakesTheContinueStaleAndTheRerunSeesIt() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self], startWorker: false) { env in
            try await env.start(SignalChain.self, id: "stale", input: .init(runs: 1, expected: 1, withActivity: false))
            let task = try await pollOne(env)
            try await env.signal("stale", "add", 5)
            let error = await #expect(throws: StoreError.self) { try await completeWithContinueAsNew(env, task) }
            #expect(error?.code == .staleTask)
            let run = try await env.describe("stale")
            #expect(run.status == .running && run.continuedExecutionRunId == nil && run.newExecutionRunId == nil)
            // A worker runs the task again, on the signal: the run it starts gets the signal.
            env.launchWorker()
            #expect(try await env.result(SignalChain.self, id: "stale") == 5)
            let runs = try await continueAsNewChain(env, "stale")
            #expect(runs.count == 2)
            let signaled = try await env.store.history(runId: runs[1].runId).filter { $0.eventType == .workflowExecutionSignaled }
            #expect(signaled.count == 1)
        }
    }

    @Test func aCancelThatArrivesWhileTheTaskRunsMakesTheContinueStaleAndTheRerunEndsCanceled() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self], startWorker: false) { env in
            try await env.start(SignalChain.self, id: "stale-cancel", input: .init(runs: 1, expected: 1, withActivity: false))
            let task = try await pollOne(env)
            try await env.cancel("stale-cancel")
            let error = await #expect(throws: StoreError.self) { try await completeWithContinueAsNew(env, task) }
            #expect(error?.code == .staleTask)
            // Run again on the cancel request, the code's continue-as-new throws CanceledFailure.
            env.launchWorker()
            #expect(try await env.waitForClose("stale-cancel").status == .canceled)
            #expect(try await continueAsNewChain(env, "stale-cancel").count == 1)
        }
    }

    /// Holds the lock on a run's row, as a long transaction would: sets `locked` once it holds
    /// it, and lets go once `release` is set.
    private func holdLock(_ env: TestEnvironment, runId: UUID, locked: Shared<Bool>, release: Shared<Bool>) async throws {
        try await env.store.client.withTransaction(logger: env.logger) { connection in
            try await connection.query("SELECT 1 FROM reprise.workflow_executions WHERE run_id = \(runId) FOR UPDATE", logger: env.logger)
            locked.update { $0 = true }
            while !release.value { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Waits until `count` statements of this database wait for a lock.
    private func waitForLockWaiters(_ env: TestEnvironment, _ count: Int) async throws {
        try await env.waitUntil("\(count) statements wait for the run's lock") {
            let rows = try await env.store.client.query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", logger: env.logger)
            for try await waiting in rows.decode(Int.self) { return waiting >= count }
            return false
        }
    }

    /// Sends `request` so that it waits for the old run's lock behind the workflow task that
    /// continues as new: it finds the old run closed, and without a run id follows the chain to
    /// the new run. Returns the new run's history.
    private func queueBehindTheSwitch(_ env: TestEnvironment, _ request: @escaping @Sendable () async throws -> Void) async throws
        -> [HistoryEvent]
    {
        try await env.start(SignalChain.self, id: "queued", input: .init(runs: 1, expected: 1, withActivity: false))
        let oldRunId = try await env.describe("queued").runId
        let task = try await pollOne(env)
        let (locked, release) = (Shared(false), Shared(false))
        async let held: Void = holdLock(env, runId: oldRunId, locked: locked, release: release)
        try await env.waitUntil("the run's row is locked") { locked.value }
        // The completion queues first for the lock, then the request.
        async let completion = completeWithContinueAsNew(env, task)
        try await waitForLockWaiters(env, 1)
        async let requested: Void = request()
        try await waitForLockWaiters(env, 2)
        release.update { $0 = true }
        try await held
        _ = try await completion
        try await requested
        let runs = try await continueAsNewChain(env, "queued")
        #expect(runs.count == 2)
        #expect(runs.first?.status == .continuedAsNew)
        #expect(try await env.store.history(runId: oldRunId).last?.eventType == .workflowExecutionContinuedAsNew)
        return try await env.store.history(runId: runs[runs.count - 1].runId)
    }

    @Test func aSignalQueuedBehindTheSwitchGoesToTheNewRun() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self], startWorker: false, skipTime: false) { env in
            let history = try await queueBehindTheSwitch(env) { try await env.signal("queued", "add", 7) }
            #expect(history.filter { $0.eventType == .workflowExecutionSignaled }.count == 1)
            env.launchWorker()
            #expect(try await env.result(SignalChain.self, id: "queued") == 7)
        }
    }

    @Test func aCancelQueuedBehindTheSwitchGoesToTheNewRun() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self], startWorker: false, skipTime: false) { env in
            let history = try await queueBehindTheSwitch(env) { try await env.cancel("queued") }
            #expect(history.contains { $0.eventType == .workflowExecutionCancelRequested })
            env.launchWorker()
            #expect(try await env.waitForClose("queued").status == .canceled)
        }
    }

    @Test func signalsRacingAChainOfSwitchesEachArriveExactlyOnce() async throws {
        let log = CallLog()
        try await TestEnvironment.run(workflows: [SignalChain.self], activities: [Greet(log: log)]) { env in
            let count = 30
            try await env.start(SignalChain.self, id: "race", input: .init(runs: 8, expected: count))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for value in 1...count {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0..<150)))
                        try await env.signal("race", "add", value)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await env.result(SignalChain.self, id: "race") == count * (count + 1) / 2)
            let runs = try await continueAsNewChain(env, "race")
            #expect(runs.count == 9)
            // Each signal was recorded once where it arrived (carried copies say so), and the last
            // run saw every one exactly once.
            var arrived = 0
            for run in runs {
                for event in try await env.store.history(runId: run.runId) {
                    if case .workflowExecutionSignaled(let signal) = event.attributes, signal.identity?.hasPrefix("carried") != true { arrived += 1 }
                }
            }
            #expect(arrived == count)
            let last = try await env.store.history(runId: runs[8].runId)
            #expect(last.filter { $0.eventType == .workflowExecutionSignaled }.count == count)
        }
    }

    @Test func aCancelDuringAChainOfSwitchesEndsItCanceled() async throws {
        try await TestEnvironment.run(workflows: [Forever.self]) { env in
            try await env.start(Forever.self, id: "forever", input: 0)
            try await env.waitUntil("a few runs went by") { (try await env.describe("forever").continuedExecutionRunId) != nil }
            try await env.cancel("forever")
            let closed = try await env.waitForClose("forever")
            #expect(closed.status == .canceled)
            let runs = try await continueAsNewChain(env, "forever")
            #expect(runs.dropLast().allSatisfy { $0.status == .continuedAsNew })
        }
    }

    @Test func continuingAtTheLastWorkflowTaskOfACanceledRunEndsItCanceled() async throws {
        try await TestEnvironment.run(workflows: [SignalChain.self], startWorker: false) { env in
            // The cancel is in history before the task runs: the code's continue-as-new throws.
            try await env.start(SignalChain.self, id: "canceled", input: .init(runs: 1, expected: 1, withActivity: false))
            try await env.cancel("canceled")
            env.launchWorker()
            #expect(try await env.waitForClose("canceled").status == .canceled)
            #expect(try await continueAsNewChain(env, "canceled").count == 1)
        }
    }
}
