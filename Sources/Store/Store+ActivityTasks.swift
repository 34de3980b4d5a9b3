import Foundation
import PostgresNIO
import Workflow

/// An activity attempt leased to a worker.
public struct ActivityTask: Sendable {
    public var runId: UUID
    public var activityId: String
    public var activityType: String
    public var input: Payload?
    public var options: ActivityOptions
    /// The `ActivityTaskScheduled` event that created the activity.
    public var scheduledEventId: Int64
    public var attempt: Int
    /// Proves the lease; completion, failure and heartbeats are fenced by it and the attempt.
    public var leaseToken: UUID
    public var leaseExpiresAt: Date
    /// What the activity sees: ids, attempt, idempotency key, the last heartbeat details.
    public var info: ActivityContext.Info
    /// The run's stored trace context (``StartWorkflowRequest/traceContext``): from a poll, or set
    /// by the worker that leased the attempt eagerly.
    public var traceContext: String? = nil
    /// When the attempt became ready, from a poll (schedule-to-start latency).
    public var visibleAt: Date? = nil
}

extension ActivityTask {
    /// The error for an attempt that no longer holds its lease: it timed out, or another worker
    /// took the task over. The worker stops it, and its result is refused.
    func leaseLost() -> StoreError {
        StoreError(.staleTask, "activity \(activityId) of run \(runId) attempt \(attempt) no longer holds its lease; its result is refused")
    }
}

extension Store {
    /// Inserts an activity task; when `owner` is given, already leased to it for the first attempt.
    ///
    /// - Returns: the leased attempt, or nil when it was queued.
    func insertActivityTask(
        _ scheduled: HistoryEvent.ActivityTaskScheduledAttributes, eventId: Int64, run: LockedRun, leasedTo owner: String?, at now: Date,
        on connection: PostgresConnection
    ) async throws -> ActivityTask? {
        let (row, leased) = try Self.activityTaskRow(scheduled, eventId: eventId, run: run, leasedTo: owner, at: now)
        try await connection.run(row, logger: logger)
        return leased
    }

    /// The row that schedules an activity, and its first attempt when the row is leased to `owner`.
    static func activityTaskRow(
        _ scheduled: HistoryEvent.ActivityTaskScheduledAttributes, eventId: Int64, run: LockedRun, leasedTo owner: String?, at now: Date
    ) throws -> (row: ActivityTasksTable.Insert, leased: ActivityTask?) {
        // Checked again here: history is input to the store too, and a date past PostgresNIO's
        // range would trap as it is encoded.
        func timeout(_ seconds: Double?, _ field: String) throws -> Duration? {
            try seconds.map { try Duration.seconds(checked: $0, field: "ActivityTaskScheduled.\(field)") }
        }
        let options = ActivityOptions(
            taskQueue: scheduled.taskQueue, scheduleToCloseTimeout: try timeout(scheduled.scheduleToCloseTimeout, "scheduleToCloseTimeout"),
            scheduleToStartTimeout: try timeout(scheduled.scheduleToStartTimeout, "scheduleToStartTimeout"),
            startToCloseTimeout: try timeout(scheduled.startToCloseTimeout, "startToCloseTimeout"),
            heartbeatTimeout: try timeout(scheduled.heartbeatTimeout, "heartbeatTimeout"), retryPolicy: scheduled.retryPolicy,
            deadLetter: scheduled.deadLetter)
        func fromNow(_ timeout: Duration?) -> Date? { timeout.map { now.addingTimeInterval($0.seconds) } }
        let closeDeadline = fromNow(options.scheduleToCloseTimeout)
        // The same expiry as a poll's lease (ActivityTasksTable.leaseExpiry): the earliest of the attempt's limits.
        let leaseExpiry = [fromNow(options.startToCloseTimeout), fromNow(options.heartbeatTimeout), closeDeadline].compactMap { $0 }.min()
        let lease = owner.flatMap { owner in leaseExpiry.map { (owner: owner, token: UUID(), expiresAt: $0) } }
        let row = ActivityTasksTable.Insert(
            runId: run.runId, activityId: scheduled.activityId, namespace: run.namespace, workflowId: run.workflowId,
            workflowType: run.workflowType, taskQueue: scheduled.taskQueue, activityType: scheduled.activityType,
            input: try JSONColumn.encodeIfPresent(scheduled.input), options: try JSONColumn.encode(options), scheduledEventId: eventId,
            now: now, scheduleToStartDeadline: fromNow(options.scheduleToStartTimeout),
            scheduleToCloseDeadline: closeDeadline, leaseOwner: lease?.owner, leaseToken: lease?.token, startedAt: lease == nil ? nil : now,
            leaseExpiresAt: lease?.expiresAt)
        guard let lease else { return (row, nil) }
        let leased = ActivityTask(
            runId: run.runId, activityId: scheduled.activityId, activityType: scheduled.activityType, input: scheduled.input, options: options,
            scheduledEventId: eventId, attempt: 1, leaseToken: lease.token, leaseExpiresAt: lease.expiresAt,
            info: ActivityContext.Info(
                namespace: run.namespace, workflowId: run.workflowId, runId: run.runId.uuidString.lowercased(), workflowType: run.workflowType,
                activityId: scheduled.activityId, activityType: scheduled.activityType, taskQueue: scheduled.taskQueue, attempt: 1,
                heartbeatDetails: nil))
        return (row, leased)
    }

    /// Leases up to `limit` ready activity tasks of a queue in the given namespaces and of the
    /// given activity types (the ones the worker registered), in one statement, shared fairly
    /// among the namespaces (``FairDequeue``).
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when `namespaces` is empty.
    public func pollActivityTasks(
        taskQueue: String, namespaces: [String] = ["default"], activityTypes: [String], owner: String, limit: Int, at now: Date
    ) async throws -> [ActivityTask] {
        var tasks: [ActivityTask] = []
        let poll = ActivityTasksTable.Poll(
            now: now, taskQueue: taskQueue, namespaces: namespaces, activityTypes: activityTypes, limit: Int64(limit), owner: owner)
        for try await task in try await pool.execute(poll, logger: logger) { tasks.append(task) }
        return tasks
    }

    /// Records a heartbeat: the details, and a lease extended up to the attempt's limits.
    ///
    /// - Returns: whether the workflow asked for the activity to be canceled.
    /// - Throws: ``StoreError`` `StaleTask` when the attempt lost its lease: stop working.
    public func heartbeat(_ task: ActivityTask, details: Payload?, at now: Date) async throws -> Bool {
        let heartbeat = ActivityTasksTable.Heartbeat(task: task, details: try JSONColumn.encodeIfPresent(details), now: now)
        for try await canceled in try await pool.execute(heartbeat, logger: logger) { return canceled }
        throw task.leaseLost()
    }

    /// Locks the run, then the activity row if `task` still holds its lease; with `delete`, the
    /// row is deleted in the same statement (the attempt's last word on it).
    func lockLeased(_ task: ActivityTask, delete: Bool = false, on connection: PostgresConnection) async throws -> (LockedRun, ActivityRow) {
        let run = try await lockRun(task.runId, on: connection)
        var row: ActivityRow?
        if delete {
            for try await columns in try await connection.execute(ActivityTasksTable.TakeLeased(task: task), logger: logger) {
                row = try ActivityRow(columns)
            }
        } else {
            for try await columns in try await connection.execute(ActivityTasksTable.LockLeased(task: task), logger: logger) {
                row = try ActivityRow(columns)
            }
        }
        guard let row, run.status.isOpen else {
            throw task.leaseLost()
        }
        return (run, row)
    }

    func deleteActivity(_ row: ActivityRow, on connection: PostgresConnection) async throws {
        try await connection.run(ActivityTasksTable.Delete(runId: row.runId, activityId: row.activityId), logger: logger)
    }

    /// Handles the workflow's request to cancel an activity: one not yet started is canceled at
    /// once; a running one is told through its next heartbeat.
    func cancelActivity(scheduledEventId: Int64, requestEventId: Int64, run: inout LockedRun, at now: Date, on connection: PostgresConnection)
        async throws
    {
        let request = ActivityTasksTable.RequestCancel(runId: run.runId, scheduledEventId: scheduledEventId)
        var notStarted: [String] = []
        for try await (activityId, unleased) in try await connection.execute(request, logger: logger) where unleased { notStarted.append(activityId) }
        for activityId in notStarted {
            try await connection.run(ActivityTasksTable.Delete(runId: run.runId, activityId: activityId), logger: logger)
            try await append(
                [.activityTaskCanceled(.init(scheduledEventId: scheduledEventId, latestCancelRequestedEventId: requestEventId))], to: &run,
                at: now, on: connection)
        }
    }

}

extension Store {
    /// Gives an attempt back without counting it, for a worker shutting down: the task is visible
    /// again at once with the same attempt number.
    public func releaseActivity(_ task: ActivityTask, heartbeatDetails: Payload?, at now: Date) async throws {
        try await transaction { connection in
            let release = ActivityTasksTable.Release(task: task, details: try JSONColumn.encodeIfPresent(heartbeatDetails), now: now)
            for try await (namespace, queue) in try await connection.execute(release, logger: self.logger) {
                try await self.notify(Channel.activityTasks(namespace: namespace, queue: queue), on: connection)
            }
        }
    }

    /// Keeps an attempt's last heartbeat details, so the next attempt resumes from them.
    func saveHeartbeatDetails(_ details: Payload?, runId: UUID, activityId: String, on connection: PostgresConnection) async throws {
        guard let details else { return }
        try await connection.run(
            ActivityTasksTable.SaveHeartbeatDetails(runId: runId, activityId: activityId, details: try JSONColumn.encode(details)), logger: logger)
    }
}
