import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// Fails an attempt. The retry policy decides: another attempt after its backoff (no history
    /// event), or the end: dead-lettered when the options say so, else failed into the workflow.
    public func failActivity(_ task: ActivityTask, failure: Failure, heartbeatDetails: Payload? = nil, identity: String, at now: Date)
        async throws
    {
        try await transaction { connection in
            var (run, row) = try await self.lockLeased(task, on: connection)
            try await self.saveHeartbeatDetails(heartbeatDetails, runId: task.runId, activityId: task.activityId, on: connection)
            if heartbeatDetails != nil { row.heartbeatDetails = heartbeatDetails }
            try await self.endAttempt(row, of: &run, failure: failure, timedOut: false, identity: identity, at: now, on: connection)
        }
    }

    /// Acknowledges that an attempt stopped because the workflow canceled it: `ActivityTaskCanceled`.
    public func cancelActivity(_ task: ActivityTask, identity: String, at now: Date) async throws {
        try await transaction { connection in
            var (run, row) = try await self.lockLeased(task, delete: true, on: connection)
            try await self.append(
                [.activityTaskCanceled(.init(scheduledEventId: row.scheduledEventId))], to: &run, at: now, on: connection)
        }
    }

    /// Ends an attempt that failed or timed out, under the retry policy.
    func endAttempt(
        _ row: ActivityRow, of run: inout LockedRun, failure: Failure, timedOut: Bool, retryable: Bool = true, identity: String?,
        at now: Date, on connection: PostgresConnection
    ) async throws {
        if retryable, let delay = row.options.retryPolicy.delay(afterAttempt: row.attempt, failure: failure) {
            let visibleAt = now.addingTimeInterval(delay.seconds)
            if row.scheduleToCloseDeadline.map({ visibleAt < $0 }) ?? true {
                try await connection.run(
                    ActivityTasksTable.Retry(
                        runId: row.runId, activityId: row.activityId, visibleAt: visibleAt, failure: try JSONColumn.encode(failure),
                        scheduleToStartDeadline: row.options.scheduleToStartTimeout.map { visibleAt.addingTimeInterval($0.seconds) }),
                    logger: logger)
                try await notify(Channel.activityTasks(namespace: run.namespace, queue: row.taskQueue), on: connection)
                return
            }
        }
        try await deleteActivity(row, on: connection)
        if row.options.deadLetter {
            try await deadLetter(row, failure: failure, run: &run, at: now, on: connection)
            return
        }
        let started = try await append(
            [.activityTaskStarted(.init(scheduledEventId: row.scheduledEventId, attempt: row.attempt, identity: identity))], to: &run,
            at: now, on: connection)
        let retryState = failure.nonRetryable || row.options.retryPolicy.nonRetryableErrorTypes.contains(failure.type)
            ? "NonRetryableFailure" : (timedOut ? "Timeout" : "MaximumAttemptsReached")
        let outcome: HistoryEvent.Attributes =
            timedOut
            ? .activityTaskTimedOut(
                .init(scheduledEventId: row.scheduledEventId, startedEventId: started[0].eventId, failure: failure, retryState: retryState))
            : .activityTaskFailed(
                .init(scheduledEventId: row.scheduledEventId, startedEventId: started[0].eventId, failure: failure, retryState: retryState,
                    identity: identity))
        try await append([outcome], to: &run, at: now, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
    }

    /// Times out attempts and activities whose limits passed: an expired lease (start-to-close or
    /// heartbeat) ends the attempt; a passed schedule-to-start or schedule-to-close ends the activity.
    ///
    /// - Returns: how many activities were handled.
    @discardableResult
    public func reapActivities(at now: Date, limit: Int = 200) async throws -> Int {
        var keys: [(UUID, String)] = []
        for try await key in try await pool.execute(ActivityTasksTable.Overdue(now: now, limit: Int64(limit)), logger: logger) { keys.append(key) }
        var handled = 0
        for (runId, activityId) in keys {
            try await transaction { connection in
                var run = try await self.lockRun(runId, on: connection)
                let lock = ActivityTasksTable.LockWithDeadlines(runId: runId, activityId: activityId)
                var found: ActivityTasksTable.LockWithDeadlines.Row?
                for try await locked in try await connection.execute(lock, logger: self.logger) { found = locked }
                guard let (row, leaseExpiry, startDeadline, heartbeatBound) = found else { return }
                let timeout: ActivityTimeout
                if let closeDeadline = row.scheduleToCloseDeadline, closeDeadline <= now {
                    timeout = .scheduleToClose
                } else if row.leaseOwner == nil, let startDeadline, startDeadline <= now {
                    timeout = .scheduleToStart
                } else if row.leaseOwner != nil, let leaseExpiry, leaseExpiry <= now {
                    timeout = heartbeatBound == true ? .heartbeat : .startToClose
                } else {
                    return
                }
                let failure = Failure(
                    message: "activity \(row.activityType) timed out (\(timeout.rawValue))", type: Failure.Types.timeout,
                    nonRetryable: timeout.endsActivity, details: .object(["timeoutType": .string(timeout.rawValue)]))
                try await self.endAttempt(
                    row, of: &run, failure: failure, timedOut: true, retryable: !timeout.endsActivity, identity: nil, at: now, on: connection)
                handled += 1
            }
        }
        return handled
    }
}

/// Which limit of an activity passed, with Temporal's names (a timeout failure's `timeoutType`).
/// Which limit of an activity passed, with Temporal's names (a timeout failure's `timeoutType`).
enum ActivityTimeout: String {
    case scheduleToClose = "ScheduleToClose"
    case scheduleToStart = "ScheduleToStart"
    case startToClose = "StartToClose"
    case heartbeat = "Heartbeat"

    /// Whether it ends the activity (no more attempts) rather than the attempt.
    var endsActivity: Bool { self == .scheduleToClose || self == .scheduleToStart }
}
