import Foundation
import PostgresNIO
import Workflow

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
        for try await runId in try await client.query(
            "SELECT DISTINCT run_id FROM (SELECT run_id FROM timers WHERE fire_at <= \(now) ORDER BY fire_at LIMIT \(limit)) t",
            logger: logger
        ).decode(UUID.self) {
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
        // Locks in id order, as every multi-run transaction does, so two services cannot deadlock.
        var runs: [UUID: LockedRun] = [:]
        for try await (runId, namespace, workflowId, type, queue, status, next, cancel, bytes) in try await connection.query(
            """
            SELECT run_id, namespace, workflow_id, workflow_type, task_queue, status, next_event_id, cancel_requested, history_bytes
            FROM workflow_executions WHERE run_id = ANY(\(runIds)::uuid[]) ORDER BY run_id FOR UPDATE
            """, logger: logger
        ).decode((UUID, String, String, String, String, String, Int64, Bool, Int64).self) {
            runs[runId] = LockedRun(runId: runId, (namespace, workflowId, type, queue, status, next, cancel, bytes))
        }
        var timersByRun: [UUID: [(id: String, startedEventId: Int64)]] = [:]
        for try await (runId, timerId, startedEventId) in try await connection.query(
            """
            DELETE FROM timers WHERE run_id = ANY(\(runIds)::uuid[]) AND fire_at <= \(now)
            RETURNING run_id, timer_id, started_event_id
            """, logger: logger
        ).decode((UUID, String, Int64).self) {
            timersByRun[runId, default: []].append((timerId, startedEventId))
        }
        // Each open run gets its TimerFired events, then a workflow task unless one is pending.
        var firing: [(run: LockedRun, timers: [(id: String, startedEventId: Int64)])] = []
        for (runId, timers) in timersByRun {
            guard let run = runs[runId], run.status.isOpen else { continue }
            firing.append((run, timers.sorted { ($0.startedEventId, $0.id) < ($1.startedEventId, $1.id) }))
        }
        guard !firing.isEmpty else { return 0 }
        var scheduled: Set<UUID> = []
        let running = firing.filter { $0.run.status == .running }
        if !running.isEmpty {
            for try await runId in try await connection.query(
                """
                INSERT INTO workflow_tasks (run_id, namespace, task_queue, scheduled_event_id, visible_at)
                SELECT run_id, namespace, task_queue, scheduled_event_id, \(now)
                FROM unnest(\(running.map(\.run.runId))::uuid[], \(running.map(\.run.namespace))::text[], \(running.map(\.run.taskQueue))::text[],
                    \(running.map { $0.run.nextEventId + Int64($0.timers.count) })::bigint[]) AS t(run_id, namespace, task_queue, scheduled_event_id)
                ON CONFLICT (run_id) DO NOTHING RETURNING run_id
                """, logger: logger
            ).decode(UUID.self) {
                scheduled.insert(runId)
            }
        }
        var events: [(runId: UUID, event: HistoryEvent)] = []
        var nextEventIds: [(UUID, Int64)] = []
        var channels: Set<String> = []
        for (run, timers) in firing {
            var attributes: [HistoryEvent.Attributes] = timers.map { .timerFired(.init(timerId: $0.id, startedEventId: $0.startedEventId)) }
            if scheduled.contains(run.runId) {
                attributes.append(.workflowTaskScheduled(.init(taskQueue: run.taskQueue)))
                channels.insert(Channel.workflowTasks(namespace: run.namespace, queue: run.taskQueue))
            }
            events += Self.events(attributes, from: run.nextEventId, at: now).map { (run.runId, $0) }
            nextEventIds.append((run.runId, run.nextEventId + Int64(attributes.count)))
        }
        try await insert(events, on: connection)
        try await connection.query(
            """
            UPDATE workflow_executions e SET next_event_id = v.next_event_id
            FROM unnest(\(nextEventIds.map(\.0))::uuid[], \(nextEventIds.map(\.1))::bigint[]) AS v(run_id, next_event_id)
            WHERE e.run_id = v.run_id
            """, logger: logger)
        for channel in channels { try await notify(channel, on: connection) }
        return firing.reduce(0) { $0 + $1.timers.count }
    }

    /// Closes runs whose execution timeout passed: `WorkflowExecutionTimedOut`.
    @discardableResult
    public func timeOutRuns(at now: Date, limit: Int = 100) async throws -> Int {
        var due: [UUID] = []
        for try await runId in try await client.query(
            """
            SELECT run_id FROM workflow_executions
            WHERE execution_deadline <= \(now) AND execution_deadline IS NOT NULL AND status IN ('Running', 'Paused') LIMIT \(limit)
            """, logger: logger
        ).decode(UUID.self) {
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

    /// The earliest moment a timer fires or a run times out, for the timer service to sleep until.
    public func nextTimerDue() async throws -> Date? {
        let rows = try await client.query(
            """
            SELECT LEAST(
                (SELECT min(fire_at) FROM timers),
                (SELECT min(execution_deadline) FROM workflow_executions
                 WHERE execution_deadline IS NOT NULL AND status IN ('Running', 'Paused')))
            """, logger: logger)
        for try await date in rows.decode(Date?.self) { return date }
        return nil
    }

    /// The earliest moment any work becomes due: a timer, a run timeout, a task's visibility or an
    /// activity's deadline. The test environment skips its virtual clock to it when all is idle.
    public func nextDue() async throws -> Date? {
        let rows = try await client.query(
            """
            SELECT LEAST(
                (SELECT min(fire_at) FROM timers),
                (SELECT min(execution_deadline) FROM workflow_executions
                 WHERE execution_deadline IS NOT NULL AND status IN ('Running', 'Paused')),
                (SELECT min(visible_at) FROM workflow_tasks),
                (SELECT min(visible_at) FROM activity_tasks WHERE lease_owner IS NULL),
                (SELECT min(lease_expires_at) FROM activity_tasks WHERE lease_owner IS NOT NULL),
                (SELECT min(schedule_to_start_deadline) FROM activity_tasks WHERE lease_owner IS NULL),
                (SELECT min(schedule_to_close_deadline) FROM activity_tasks))
            """, logger: logger)
        for try await date in rows.decode(Date?.self) { return date }
        return nil
    }

    /// Deletes closed runs, with their history and dead letters, once their namespace's retention
    /// has passed. Work goes in batches so a large backlog never holds long locks.
    ///
    /// - Returns: how many runs were deleted.
    @discardableResult
    public func deleteExpiredRuns(at now: Date, batchSize: Int = 500) async throws -> Int {
        let rows = try await client.query(
            """
            WITH doomed AS (
                SELECT e.run_id FROM workflow_executions e JOIN namespaces n ON n.name = e.namespace
                WHERE e.close_time IS NOT NULL AND e.close_time < \(now)::timestamptz - n.retention_days * interval '1 day'
                LIMIT \(batchSize)
            ), history AS (
                DELETE FROM history_events WHERE run_id IN (SELECT run_id FROM doomed)
            ), letters AS (
                DELETE FROM dead_letters WHERE run_id IN (SELECT run_id FROM doomed)
            )
            DELETE FROM workflow_executions WHERE run_id IN (SELECT run_id FROM doomed) RETURNING 1
            """, logger: logger)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}

extension Store {
    /// The earliest activity lease expiry or deadline, for the reaper to sleep until.
    public func nextActivityDeadline() async throws -> Date? {
        let rows = try await client.query(
            """
            SELECT LEAST(
                (SELECT min(lease_expires_at) FROM activity_tasks WHERE lease_owner IS NOT NULL),
                (SELECT min(schedule_to_start_deadline) FROM activity_tasks WHERE lease_owner IS NULL),
                (SELECT min(schedule_to_close_deadline) FROM activity_tasks))
            """, logger: logger)
        for try await date in rows.decode(Date?.self) { return date }
        return nil
    }
}
