import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// Fires due timers: each becomes one `TimerFired` plus a workflow task for its run. Runs are
    /// locked in id order, and a timer row is deleted as it fires, so each fires exactly once even
    /// with several timer services.
    ///
    /// - Returns: how many timers fired.
    @discardableResult
    public func fireDueTimers(at now: Date, limit: Int = 1000, runsPerTransaction: Int = 100) async throws -> Int {
        var due: [UUID] = []
        for try await runId in try await client.query(
            "SELECT DISTINCT run_id FROM (SELECT run_id FROM timers WHERE fire_at <= \(now) ORDER BY fire_at LIMIT \(limit)) t",
            logger: logger
        ).decode(UUID.self) {
            due.append(runId)
        }
        due.sort { $0.uuidString < $1.uuidString }
        var fired = 0
        var start = 0
        while start < due.count {
            let batch = due[start..<min(start + runsPerTransaction, due.count)]
            start += runsPerTransaction
            fired += try await transaction { connection in
                var count = 0
                for runId in batch {
                    var run = try await self.lockRun(runId, on: connection)
                    var timers: [(String, Int64)] = []
                    for try await timer in try await connection.query(
                        """
                        DELETE FROM timers WHERE run_id = \(runId) AND fire_at <= \(now)
                        RETURNING timer_id, started_event_id
                        """, logger: self.logger
                    ).decode((String, Int64).self) {
                        timers.append(timer)
                    }
                    guard !timers.isEmpty, run.status.isOpen else { continue }
                    timers.sort { ($0.1, $0.0) < ($1.1, $1.0) }
                    try await self.append(
                        timers.map { .timerFired(.init(timerId: $0.0, startedEventId: $0.1)) }, to: &run, at: now, on: connection)
                    try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
                    count += timers.count
                }
                return count
            }
        }
        return fired
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
