import Foundation
import PostgresNIO
import Workflow

/// A workflow task leased to a worker.
public struct WorkflowTask: Sendable {
    public var runId: UUID
    public var namespace: String
    public var workflowId: String
    public var workflowType: String
    public var taskQueue: String
    /// 1 for the first attempt; failed attempts count up.
    public var attempt: Int
    /// Proves the lease on completion; a stale worker's token no longer matches.
    public var leaseToken: UUID
    /// The `WorkflowTaskScheduled` event this task answers.
    public var scheduledEventId: Int64
    /// The history's next event id when the task was leased. Completion is fenced by it: if any
    /// event arrived meanwhile, the completion is refused and the task runs again on the new history.
    public var nextEventId: Int64
    /// Set when this poll took the task over from a lease that expired without a result: the
    /// previous holder crashed, hung in workflow code or lost its database. Names that holder.
    public var expiredLeaseOwner: String?
}

/// What a completed workflow task wrote, and the activity attempts leased to the completing worker.
public struct WorkflowTaskCompletion: Sendable {
    /// The events appended, from the task's `WorkflowTaskStarted` on (for an eager start's first
    /// task, from the run's first event).
    public var events: [HistoryEvent]
    /// Activity attempts leased to the completing worker in the same transaction ("eager
    /// dispatch"): it runs them at once, without a poll.
    public var eagerActivities: [ActivityTask]

    /// Whether the task closed its run: by its code's own command, or because a limit turned its
    /// commands into a failure (``Limits``), when the code's copy of the run does not know it.
    public var closesRun: Bool { events.contains { Store.closeOutcome(of: $0.attributes) != nil } }
}

/// Lets a completing worker take the activities its workflow task schedules, in the same
/// transaction, so that they need neither a NOTIFY nor a poll.
public struct EagerActivities: Sendable {
    /// The worker's identity, recorded as the lease owner.
    public var owner: String
    /// Only activities on this queue (the worker's own) are taken.
    public var taskQueue: String
    /// How many the worker can start now.
    public var limit: Int

    public init(owner: String, taskQueue: String, limit: Int) {
        self.owner = owner
        self.taskQueue = taskQueue
        self.limit = limit
    }
}

extension Store {
    /// Leases up to `limit` ready workflow tasks of a queue in the given namespaces, in one
    /// statement, shared fairly among the namespaces (``FairDequeue``; the first given goes first
    /// within a round). A task whose lease expired is ready again, with its
    /// ``WorkflowTask/expiredLeaseOwner`` set.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when `namespaces` is empty.
    public func pollWorkflowTasks(
        taskQueue: String, namespaces: [String] = ["default"], owner: String, limit: Int, leaseDuration: Duration, at now: Date
    ) async throws -> [WorkflowTask] {
        var tasks: [WorkflowTask] = []
        let poll = WorkflowTasksTable.Poll(
            now: now, taskQueue: taskQueue, namespaces: namespaces, limit: Int64(limit), leaseUntil: now.addingTimeInterval(leaseDuration.seconds),
            owner: owner)
        for try await task in try await client.execute(poll, logger: logger) { tasks.append(task) }
        return tasks
    }

    /// Completes a workflow task in one transaction: its `WorkflowTaskStarted` and
    /// `WorkflowTaskCompleted`, one event per command, the activity tasks and timers the commands
    /// create, and the run's close when a command ends it.
    ///
    /// - Parameters:
    ///   - started: the `WorkflowTaskStarted` event the worker fed to the code; it is stored as is.
    ///   - eager: lets the completing worker take the activities it scheduled, in this transaction.
    /// - Throws: ``StoreError`` `StaleTask` when the lease was lost or new events arrived meanwhile.
    @discardableResult
    public func completeWorkflowTask(
        _ task: WorkflowTask, started: HistoryEvent, commands: [Command], identity: String, eager: EagerActivities? = nil, at now: Date
    ) async throws -> WorkflowTaskCompletion {
        try await transaction { connection in
            var run = try await self.lockRun(task.runId, on: connection)
            guard run.nextEventId == task.nextEventId, run.status == .running else {
                throw StoreError(.staleTask, "run \(task.runId) changed while its workflow task ran (history now ends at \(run.nextEventId - 1))")
            }
            var isOwned = false
            for try await _ in try await connection.execute(
                WorkflowTasksTable.TakeLeased(runId: task.runId, leaseToken: task.leaseToken), logger: self.logger)
            {
                isOwned = true
            }
            guard isOwned else { throw StoreError(.staleTask, "the lease on the workflow task of run \(task.runId) was lost") }
            return try await self.recordCompletion(
                of: task.scheduledEventId, after: [started], commands: commands, identity: identity, run: &run, eager: eager, at: now,
                on: connection)
        }
    }

    /// Writes a completed workflow task: `preceding` (ending with its `WorkflowTaskStarted`),
    /// `WorkflowTaskCompleted` and the command events, in one statement; then the task rows the
    /// commands create.
    func recordCompletion(
        of scheduledEventId: Int64, after preceding: [HistoryEvent], commands: [Command], identity: String, run: inout LockedRun,
        eager: EagerActivities?, at now: Date, on connection: PostgresConnection
    ) async throws -> WorkflowTaskCompletion {
        guard let started = preceding.last else { preconditionFailure("a completion follows its WorkflowTaskStarted") }
        let commands = try await limitedCommands(commands, startedEventId: started.eventId, run: run, on: connection)
        let (activityIds, timerIds) = try await referencedEventIds(of: commands, runId: run.runId, on: connection)
        let events = Self.completionEvents(
            of: scheduledEventId, startedEventId: started.eventId, commands: commands, identity: identity, taskQueue: run.taskQueue,
            activityScheduledEventIds: activityIds, timerStartedEventIds: timerIds, at: now)
        try await append(preceding + events, to: &run, on: connection)
        let leased = try await applyCommandEvents(events, of: &run, eager: eager, at: now, on: connection)
        return WorkflowTaskCompletion(events: preceding + events, eagerActivities: leased)
    }

    /// `WorkflowTaskCompleted` and one event per command, numbered after the task's `WorkflowTaskStarted`.
    static func completionEvents(
        of scheduledEventId: Int64, startedEventId: Int64, commands: [Command], identity: String, taskQueue: String,
        activityScheduledEventIds: [String: Int64] = [:], timerStartedEventIds: [String: Int64] = [:], at now: Date
    ) -> [HistoryEvent] {
        let completedEventId = startedEventId + 1
        var attributes: [HistoryEvent.Attributes] = [
            .workflowTaskCompleted(.init(scheduledEventId: scheduledEventId, startedEventId: startedEventId, identity: identity))
        ]
        for command in commands {
            attributes.append(
                HistoryBuilder.attributes(
                    of: command, workflowTaskCompletedEventId: completedEventId, taskQueue: taskQueue,
                    activityScheduledEventIds: activityScheduledEventIds, timerStartedEventIds: timerStartedEventIds))
        }
        return Self.events(attributes, from: completedEventId, at: now)
    }

    /// The scheduled and started event ids that cancel commands refer to.
    private func referencedEventIds(of commands: [Command], runId: UUID, on connection: PostgresConnection) async throws
        -> ([String: Int64], [String: Int64])
    {
        var activities: [String: Int64] = [:]
        var timers: [String: Int64] = [:]
        for command in commands {
            switch command {
            case .requestCancelActivity(let seq):
                let lookup = HistoryTable.ActivityScheduledEventId(runId: runId, activityId: String(seq))
                for try await id in try await connection.execute(lookup, logger: logger) { activities[String(seq)] = id }
            case .cancelTimer(let seq):
                let rows = try await connection.query(
                    "SELECT started_event_id FROM timers WHERE run_id = \(runId) AND timer_id = \(String(seq))", logger: logger)
                for try await id in rows.decode(Int64.self) { timers[String(seq)] = id }
            default:
                break
            }
        }
        return (activities, timers)
    }

    /// Turns command events into task rows: activities to run (up to `eager.limit` of them leased
    /// to the completing worker at once), timers to fire, cancellations, and the run's close.
    ///
    /// - Returns: the activity attempts leased eagerly.
    private func applyCommandEvents(
        _ events: [HistoryEvent], of run: inout LockedRun, eager: EagerActivities?, at now: Date, on connection: PostgresConnection
    ) async throws -> [ActivityTask] {
        var notifiedQueues: Set<String> = []
        var leased: [ActivityTask] = []
        var timerIds: [String] = []
        var timerFireAts: [Date] = []
        var timerEventIds: [Int64] = []
        var canceledTimers: [String] = []
        for event in events {
            switch event.attributes {
            case .activityTaskScheduled(let scheduled):
                if let eager, eager.taskQueue == scheduled.taskQueue, leased.count < eager.limit,
                    let task = try await insertActivityTask(scheduled, eventId: event.eventId, run: run, leasedTo: eager.owner, at: now, on: connection)
                {
                    leased.append(task)
                } else {
                    _ = try await insertActivityTask(scheduled, eventId: event.eventId, run: run, leasedTo: nil, at: now, on: connection)
                    notifiedQueues.insert(scheduled.taskQueue)
                }
            case .timerStarted(let timer):
                timerIds.append(timer.timerId)
                let timeout = try Duration.seconds(checked: timer.startToFireTimeout, field: "TimerStarted.startToFireTimeout")
                timerFireAts.append(now.addingTimeInterval(timeout.seconds))
                timerEventIds.append(event.eventId)
            case .timerCanceled(let timer):
                canceledTimers.append(timer.timerId)
            case .activityTaskCancelRequested(let request):
                try await cancelActivity(scheduledEventId: request.scheduledEventId, requestEventId: event.eventId, run: &run, at: now, on: connection)
            default:
                if let outcome = Self.closeOutcome(of: event.attributes) {
                    try await close(&run, status: outcome.status, result: outcome.result, failure: outcome.failure, at: now, on: connection)
                }
            }
        }
        guard run.status.isOpen else { return [] }  // The close deleted every task row.
        if !timerIds.isEmpty {
            try await connection.query(
                """
                INSERT INTO timers (run_id, timer_id, fire_at, started_event_id)
                SELECT \(run.runId), id, fire_at, event_id FROM unnest(\(timerIds)::text[], \(timerFireAts)::timestamptz[], \(timerEventIds)::bigint[])
                    AS t(id, fire_at, event_id)
                """, logger: logger)
            try await notify(Channel.timers, on: connection)
        }
        if !canceledTimers.isEmpty {
            try await connection.query(
                "DELETE FROM timers WHERE run_id = \(run.runId) AND timer_id = ANY(\(canceledTimers)::text[])", logger: logger)
        }
        for queue in notifiedQueues { try await notify(Channel.activityTasks(namespace: run.namespace, queue: queue), on: connection) }
        return leased
    }

    /// How a closing command event ends the run: its status and outcome; nil for other events.
    static func closeOutcome(of attributes: HistoryEvent.Attributes) -> (status: WorkflowStatus, result: Payload?, failure: Failure?)? {
        switch attributes {
        case .workflowExecutionCompleted(let completed): (.completed, completed.result, nil)
        case .workflowExecutionFailed(let failed): (.failed, nil, failed.failure)
        case .workflowExecutionCanceled(let canceled): (.canceled, canceled.details, Failure(message: "canceled", type: Failure.Types.canceled))
        default: nil
        }
    }

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
            return paused
        }
    }

    /// Gives a leased workflow task back without counting an attempt: at once, for another attempt
    /// on a fresh view of history, or after `delay`. A task no longer leased by `task` is left alone.
    public func releaseWorkflowTask(_ task: WorkflowTask, after delay: Duration = .zero, at now: Date) async throws {
        try await transaction { connection in
            let release = WorkflowTasksTable.Release(runId: task.runId, leaseToken: task.leaseToken, visibleAt: now.addingTimeInterval(delay.seconds))
            for try await queue in try await connection.execute(release, logger: self.logger) where delay == .zero {
                try await self.notify(Channel.workflowTasks(namespace: task.namespace, queue: queue), on: connection)
            }
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
