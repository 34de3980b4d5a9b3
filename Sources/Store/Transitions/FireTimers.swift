import Foundation
import PostgresNIO
import Workflow

/// The timer service's transitions: due timers fire (`TimerFired`, then a workflow task for the
/// run), and runs past their execution timeout close (`WorkflowExecutionTimedOut`).
extension Store {
    /// Fires due timers: each becomes one `TimerFired` plus a workflow task for its run. A batch
    /// of runs is handled in one transaction of a few set-based statements (lock the runs in id
    /// order, delete their due timers, schedule their workflow tasks, append all their events),
    /// so a burst of timers costs statements per batch, not per run. A timer row is deleted as it
    /// fires, so each fires exactly once even with several timer services.
    ///
    /// - Returns: how many timers fired.
    @discardableResult
    public func fireDueTimers(at now: Date, limit: Int = 2000, runsPerTransaction: Int = 250) async throws -> Int {
        var due: [UUID] = []
        for try await runId in try await pool.execute(TimersTable.DueRuns(now: now, limit: limit), logger: logger) {
            due.append(runId)
        }
        // Batches hold disjoint runs, so they commit side by side on connections of their own.
        let batches = stride(from: 0, to: due.count, by: runsPerTransaction).map { Array(due[$0..<min($0 + runsPerTransaction, due.count)]) }
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for batch in batches {
                group.addTask { try await self.transaction { connection in try await self.fireTimers(ofRuns: batch, at: now, on: connection) } }
            }
            return try await group.reduce(0, +)
        }
    }

    private func fireTimers(ofRuns runIds: [UUID], at now: Date, on connection: PostgresConnection) async throws -> Int {
        var runs: [UUID: LockedRun] = [:]
        for try await run in try await connection.execute(ExecutionsTable.LockAll(runIds: runIds), logger: logger) {
            runs[run.runId] = run
        }
        var timersByRun: [UUID: [(id: String, startedEventId: Int64)]] = [:]
        for try await (runId, timerId, startedEventId, fireAt) in try await connection.execute(TimersTable.TakeDue(runIds: runIds, now: now), logger: logger) {
            timersByRun[runId, default: []].append((timerId, startedEventId))
            StoreMetrics.timerLateness(now.timeIntervalSince(fireAt))
        }
        // Each open run gets its TimerFired events, then a workflow task unless one is pending.
        var firing: [(run: LockedRun, timers: [(id: String, startedEventId: Int64)])] = []
        for (runId, timers) in timersByRun {
            guard let run = runs[runId], run.status.isOpen else { continue }
            firing.append((run, timers.sorted { ($0.startedEventId, $0.id) < ($1.startedEventId, $1.id) }))
        }
        guard !firing.isEmpty else { return 0 }
        var scheduled: Set<UUID> = []
        let tasks = firing.filter { $0.run.status == .running }.map { run, timers in
            WorkflowTasksTable.Insert(
                runId: run.runId, namespace: run.namespace, taskQueue: run.taskQueue, workflowType: run.workflowType,
                scheduledEventId: run.nextEventId + Int64(timers.count),
                visibleAt: now)
        }
        if !tasks.isEmpty {
            for try await runId in try await connection.execute(WorkflowTasksTable.InsertAll(tasks: tasks), logger: logger) {
                scheduled.insert(runId)
            }
        }
        var events: [(runId: UUID, event: HistoryEvent)] = []
        var advanced: [(runId: UUID, nextEventId: Int64)] = []
        var channels: Set<String> = []
        for (run, timers) in firing {
            var attributes: [HistoryEvent.Attributes] = timers.map { .timerFired(.init(timerId: $0.id, startedEventId: $0.startedEventId)) }
            if scheduled.contains(run.runId) {
                attributes.append(.workflowTaskScheduled(.init(taskQueue: run.taskQueue)))
                channels.insert(Channel.workflowTasks(namespace: run.namespace, queue: run.taskQueue))
            }
            events += Self.events(attributes, from: run.nextEventId, at: now).map { (run.runId, $0) }
            advanced.append((run.runId, run.nextEventId + Int64(attributes.count)))
        }
        try await insert(events, on: connection)
        try await connection.run(ExecutionsTable.Advance(runs: advanced), logger: logger)
        for channel in channels { try await notify(channel, on: connection) }
        return firing.reduce(0) { $0 + $1.timers.count }
    }

    /// Closes runs whose execution timeout passed: `WorkflowExecutionTimedOut`.
    @discardableResult
    public func timeOutRuns(at now: Date, limit: Int = 100) async throws -> Int {
        var due: [UUID] = []
        for try await runId in try await pool.execute(ExecutionsTable.TimedOut(now: now, limit: limit), logger: logger) {
            due.append(runId)
        }
        for runId in due {
            try await transaction { connection in
                var run = try await self.lockRun(runId, on: connection)
                guard run.status.isOpen else { return }
                try await self.append([.workflowExecutionTimedOut(.init())], to: &run, at: now, on: connection)
                try await self.close(
                    &run, status: .timedOut, result: nil,
                    failure: Failure(message: "workflow execution timed out", type: Failure.Types.timeout), at: now, on: connection)
            }
        }
        return due.count
    }
}
