import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// Fails a workflow task: the code is not at fault for the run's outcome, so the task is retried
    /// with capped backoff; after `maxAttempts` the run is `Paused` with the error on its row.
    ///
    /// - Returns: whether the run is now paused.
    @discardableResult
    public func failWorkflowTask(
        _ task: WorkflowTask, started: HistoryEvent, error: WorkflowTaskError, identity: String, maxAttempts: Int, retryDelay: Duration,
        at now: Date
    ) async throws -> Bool {
        try await transaction { connection in
            var run = try await self.lockRun(task.runId, on: connection)
            var isOwned = false
            for try await _ in try await connection.execute(
                WorkflowTasksTable.LockLeased(runId: task.runId, leaseToken: task.leaseToken), logger: self.logger)
            {
                isOwned = true
            }
            guard isOwned, run.status == .running else {
                throw StoreError(.staleTask, "the lease on the workflow task of run \(task.runId) was lost")
            }
            let failure = Failure(error)
            if run.nextEventId == task.nextEventId {
                let failed = Self.events(
                    [
                        .workflowTaskFailed(
                            .init(scheduledEventId: task.scheduledEventId, startedEventId: started.eventId, cause: error.code.rawValue,
                                failure: failure, identity: identity))
                    ], from: started.eventId + 1, at: now)
                try await self.append([started] + failed, to: &run, on: connection)
            }
            let paused = task.attempt >= maxAttempts
            if paused {
                try await connection.run(WorkflowTasksTable.Delete(runId: task.runId), logger: self.logger)
            } else {
                try await connection.run(
                    WorkflowTasksTable.Retry(runId: task.runId, visibleAt: now.addingTimeInterval(retryDelay.seconds)), logger: self.logger)
            }
            try await connection.run(
                ExecutionsTable.SetTaskFailure(
                    runId: task.runId, failure: TaskFailureRecord(failure: failure, attempt: task.attempt), status: paused ? .paused : .running),
                logger: self.logger)
            run.status = paused ? .paused : .running
            try await self.appendBufferedEvents(of: &run, at: now, on: connection)
            return paused
        }
    }

    /// Gives a leased workflow task back without counting an attempt: at once, for another attempt
    /// on a fresh view of history, or after `delay`. A task no longer leased by `task` is left alone.
    /// Events held while it ran (``appendBufferedEvents(of:at:on:)``) are appended.
    public func releaseWorkflowTask(_ task: WorkflowTask, after delay: Duration = .zero, at now: Date) async throws {
        try await transaction { connection in
            // The run's row first, as every transition: a child's close must not slip a held
            // event in between the release and the append below.
            var run: LockedRun?
            for try await columns in try await connection.execute(ExecutionsTable.Lock(runId: task.runId), logger: self.logger) {
                run = LockedRun(runId: task.runId, columns)
            }
            let release = WorkflowTasksTable.Release(runId: task.runId, leaseToken: task.leaseToken, visibleAt: now.addingTimeInterval(delay.seconds))
            var released = false
            for try await queue in try await connection.execute(release, logger: self.logger) {
                released = true
                if delay == .zero { try await self.notify(Channel.workflowTasks(namespace: task.namespace, queue: queue), on: connection) }
            }
            // Held child closes wait for the end of the lease; another worker's is not ended here.
            if released, var run { try await self.appendBufferedEvents(of: &run, at: now, on: connection) }
        }
    }

    /// Resumes a `Paused` run once a fix is deployed: it runs again with a fresh workflow task.
    public func resume(namespace: String, workflowId: String, runId: UUID? = nil, at now: Date) async throws {
        try await transaction { connection in
            var run = try await self.lockRun(
                try await self.resolveRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection), on: connection)
            guard run.status == .paused else {
                throw StoreError(.workflowNotPaused, "workflow \"\(workflowId)\" is \(run.status.rawValue), not Paused")
            }
            try await connection.run(ExecutionsTable.SetTaskFailure(runId: run.runId, failure: nil, status: .running), logger: self.logger)
            run.status = .running
            try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
        }
    }
}

/// The last workflow-task failure of a run, as `describe` shows it.
public struct TaskFailureRecord: Sendable, Codable, Hashable {
    public var failure: Failure
    public var attempt: Int
}
