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
}

/// A workflow task that an activity's completion runs on the run the worker has cached, and
/// records in its own commit (see ``Store/completeActivity(_:result:identity:inline:at:)``).
public struct InlineWorkflowTask: Sendable {
    /// The run's next event id as the cached run knows it: its last event id + 1. If the history
    /// has moved past it, the workflow task is queued instead.
    public var expectedNextEventId: Int64
    /// The run's task queue: the worker's own, which its workflow tasks came from.
    public var taskQueue: String
    /// Lets the worker take the activities the task schedules.
    public var eager: EagerActivities?
    /// Runs the workflow code on the new events (the activity's started and completed events,
    /// `WorkflowTaskScheduled`, `WorkflowTaskStarted`) and returns its commands. It runs before
    /// the writes, which drop its commands if the history has moved past `expectedNextEventId`.
    /// When it throws, the workflow task is queued instead, to fail (and be recorded) on a fresh
    /// replay.
    public var activate: @Sendable ([HistoryEvent]) throws -> [Command]
    /// How long the step's statement may take before it is abandoned (PostgresNIO can leave a
    /// query hanging when Postgres restarts); the worker passes its `databaseCallTimeout`.
    public var callTimeout: Duration

    public init(
        expectedNextEventId: Int64, taskQueue: String, eager: EagerActivities?, callTimeout: Duration = defaultDatabaseCallTimeout,
        activate: @escaping @Sendable ([HistoryEvent]) throws -> [Command]
    ) {
        self.expectedNextEventId = expectedNextEventId
        self.taskQueue = taskQueue
        self.eager = eager
        self.callTimeout = callTimeout
        self.activate = activate
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

    /// Leases up to `limit` ready activity tasks of a queue in the given namespaces, in one
    /// statement, shared fairly among the namespaces (``FairDequeue``).
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when `namespaces` is empty.
    public func pollActivityTasks(taskQueue: String, namespaces: [String] = ["default"], owner: String, limit: Int, at now: Date) async throws
        -> [ActivityTask]
    {
        var query = PostgresQuery(
            unsafeSQL: """
                WITH \(FairDequeue.picked(from: "activity_tasks", keys: "run_id, activity_id", ready: "lease_owner IS NULL"))
                UPDATE activity_tasks a SET lease_owner = $5, lease_token = gen_random_uuid(), started_at = $1,
                    lease_expires_at = \(ActivityTasksTable.leaseExpiry(started: "$1::timestamptz", lastAlive: "$1::timestamptz"))
                FROM picked WHERE a.run_id = picked.run_id AND a.activity_id = picked.activity_id
                RETURNING a.run_id, a.activity_id, a.activity_type, a.input::text, a.options::text, a.scheduled_event_id, a.attempt,
                    a.lease_token, a.lease_expires_at, a.namespace, a.workflow_id, a.workflow_type, a.task_queue, a.heartbeat_details::text
                """)
        query.binds.append(now)
        query.binds.append(taskQueue)
        query.binds.append(try FairDequeue.served(namespaces))
        query.binds.append(limit)
        query.binds.append(owner)
        var tasks: [ActivityTask] = []
        for try await (
            runId, activityId, type, input, options, scheduledEventId, attempt, token, expires, namespace, workflowId, workflowType, queue, details
        ) in try await client.query(query, logger: logger).decode(
            (UUID, String, String, String?, String, Int64, Int, UUID, Date, String, String, String, String, String?).self)
        {
            tasks.append(
                ActivityTask(
                    runId: runId, activityId: activityId, activityType: type, input: try JSONColumn.decode(Payload.self, from: input),
                    options: try JSONColumn.decode(ActivityOptions.self, from: options) ?? ActivityOptions(),
                    scheduledEventId: scheduledEventId, attempt: attempt,
                    leaseToken: token, leaseExpiresAt: expires,
                    info: ActivityContext.Info(
                        namespace: namespace, workflowId: workflowId, runId: runId.uuidString.lowercased(), workflowType: workflowType,
                        activityId: activityId, activityType: type, taskQueue: queue, attempt: attempt,
                        heartbeatDetails: try JSONColumn.decode(Payload.self, from: details))))
        }
        return tasks
    }

    /// Records a heartbeat: the details, and a lease extended up to the attempt's limits.
    ///
    /// - Returns: whether the workflow asked for the activity to be canceled.
    /// - Throws: ``StoreError`` `StaleTask` when the attempt lost its lease: stop working.
    public func heartbeat(_ task: ActivityTask, details: Payload?, at now: Date) async throws -> Bool {
        var query = PostgresQuery(
            unsafeSQL: """
                UPDATE activity_tasks SET heartbeat_details = COALESCE($5::jsonb, heartbeat_details), last_heartbeat_at = $1,
                    lease_expires_at = \(ActivityTasksTable.leaseExpiry(started: "started_at", lastAlive: "$1::timestamptz"))
                WHERE run_id = $2 AND activity_id = $3 AND lease_token = $4
                RETURNING cancel_requested
                """)
        query.binds.append(now)
        query.binds.append(task.runId)
        query.binds.append(task.activityId)
        query.binds.append(task.leaseToken)
        query.binds.append(try JSONColumn.encodeIfPresent(details))
        for try await canceled in try await client.query(query, logger: logger).decode(Bool.self) { return canceled }
        throw StoreError(.staleTask, "activity \(task.activityId) of run \(task.runId) attempt \(task.attempt) no longer holds its lease")
    }

    /// Locks the run, then the activity row if `task` still holds its lease; with `delete`, the
    /// row is deleted in the same statement (the attempt's last word on it).
    private func lockLeased(_ task: ActivityTask, delete: Bool = false, on connection: PostgresConnection) async throws -> (LockedRun, ActivityRow) {
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
            throw StoreError(
                .staleTask, "activity \(task.activityId) of run \(task.runId) attempt \(task.attempt) no longer holds its lease; its result is refused")
        }
        return (run, row)
    }

    /// Completes an attempt: `ActivityTaskStarted`, `ActivityTaskCompleted`, and a workflow task.
    ///
    /// When the worker holds the run in its cache (`inline`), that workflow task runs on the
    /// cached run first, on the events the completion will write if nothing else happened to the
    /// run since; the writes check that under the run's lock. Then the whole step, from the
    /// activity's result to the next activity leased to the same worker, costs one commit and no
    /// poll; in the common cases (one new activity on the worker's queue, or the run's end) it is one
    /// statement (``CompleteSteps``), shared with the steps of other runs that complete at
    /// the same time.
    ///
    /// - Returns: the inline workflow task's completion, or nil when a workflow task was queued.
    /// - Throws: ``StoreError`` `StaleTask` when the attempt lost its lease (a stale worker).
    @discardableResult
    public func completeActivity(_ task: ActivityTask, result: Payload?, identity: String, inline: InlineWorkflowTask? = nil, at now: Date)
        async throws -> WorkflowTaskCompletion?
    {
        var activation: (events: [HistoryEvent], commands: [Command])?
        if let inline {
            let first = inline.expectedNextEventId
            let events = Self.events(
                Self.completedAttempt(scheduledEventId: task.scheduledEventId, attempt: task.attempt, startedEventId: first, result: result, identity: identity)
                    + [
                        .workflowTaskScheduled(.init(taskQueue: inline.taskQueue)),
                        .workflowTaskStarted(.init(scheduledEventId: first + 2, identity: identity)),
                    ], from: first, at: now)
            if let commands = try? inline.activate(events) {
                activation = (events, commands)
                if let completion = try await completeStep(task, events: events, commands: commands, inline: inline, identity: identity, at: now) {
                    return completion
                }
            }
        }
        return try await transaction { connection in
            var (run, row) = try await self.lockLeased(task, delete: true, on: connection)
            if let inline, let activation, run.status == .running, run.nextEventId == inline.expectedNextEventId,
                run.taskQueue == inline.taskQueue
            {
                return try await self.recordCompletion(
                    of: inline.expectedNextEventId + 2, after: activation.events, commands: activation.commands, identity: identity, run: &run,
                    eager: inline.eager, at: now, on: connection)
            }
            try await self.append(
                Self.completedAttempt(
                    scheduledEventId: row.scheduledEventId, attempt: row.attempt, startedEventId: run.nextEventId, result: result, identity: identity),
                to: &run, at: now, on: connection)
            try await self.scheduleWorkflowTask(for: &run, at: now, on: connection)
            return nil
        }
    }

    /// A completed attempt's `ActivityTaskStarted` (at `startedEventId`) and `ActivityTaskCompleted`.
    private static func completedAttempt(scheduledEventId: Int64, attempt: Int, startedEventId: Int64, result: Payload?, identity: String)
        -> [HistoryEvent.Attributes]
    {
        [
            .activityTaskStarted(.init(scheduledEventId: scheduledEventId, attempt: attempt, identity: identity)),
            .activityTaskCompleted(.init(scheduledEventId: scheduledEventId, startedEventId: startedEventId, result: result, identity: identity)),
        ]
    }

    /// The common step in one statement (``CompleteSteps``): the inline workflow task
    /// scheduled at most one activity, on the worker's own queue, or ended the run, and did
    /// nothing but record markers besides. Steps of several runs that complete at once share
    /// the statement (``stepWriter``).
    ///
    /// - Returns: the completion; nil when the step does not fit or the run moved on, and nothing
    ///   was written.
    private func completeStep(
        _ task: ActivityTask, events: [HistoryEvent], commands: [Command], inline: InlineWorkflowTask, identity: String, at now: Date
    ) async throws -> WorkflowTaskCompletion? {
        guard let started = events.last else { return nil }
        let completed = Self.completionEvents(
            of: started.eventId - 1, startedEventId: started.eventId, commands: commands, identity: identity, taskQueue: inline.taskQueue,
            at: now)
        // The run as the worker's cache knows it; the statement checks it under the run's lock.
        let run = LockedRun(
            runId: task.runId, namespace: task.info.namespace, workflowId: task.info.workflowId, workflowType: task.info.workflowType,
            taskQueue: inline.taskQueue, status: .running, nextEventId: inline.expectedNextEventId, cancelRequested: false)
        // A task the limits refuse takes the longer path, which fails the run.
        guard limits.workflowTaskFailure(commands: commands, lastEventId: started.eventId + Int64(completed.count), historyBytes: 0, pendingActivities: 0) == nil,
            let writes = try Self.oneStatementWrites(of: commands, events: completed, run: run, eager: inline.eager, at: now)
        else { return nil }
        let step = CompleteSteps.Step(
            task: task, expectedNextEventId: inline.expectedNextEventId, taskQueue: inline.taskQueue, events: events + completed,
            nextActivity: writes.next?.row, close: writes.close)
        let held = try await stepWriter.submit(step) { steps in
            await self.writeBatch(steps, timeout: inline.callTimeout) { CompleteSteps(steps: $0, maxHistoryBytes: self.limits.maxHistoryBytes) }
        }
        guard held.run else { return nil }
        guard held.lease else {
            throw StoreError(
                .staleTask, "activity \(task.activityId) of run \(task.runId) attempt \(task.attempt) no longer holds its lease; its result is refused")
        }
        return WorkflowTaskCompletion(events: events + completed, eagerActivities: writes.next.map { [$0.leased] } ?? [])
    }

    /// What a workflow task writes besides its events when it fits one statement: at most one
    /// activity, on the worker's own queue and leased to it, or the run's close, and markers.
    ///
    /// - Returns: nil when the task needs more than that (timers, cancellations, several
    ///   activities, an activity the worker cannot take); then the caller takes the longer path.
    static func oneStatementWrites(
        of commands: [Command], events completed: [HistoryEvent], run: LockedRun, eager: EagerActivities?, at now: Date
    ) throws -> (next: (row: ActivityTasksTable.Insert, leased: ActivityTask)?, close: ExecutionsTable.Close?)? {
        let fits = commands.allSatisfy {
            switch $0 {
            case .recordMarker, .scheduleActivity, .completeWorkflow, .failWorkflow, .cancelWorkflow: true
            default: false
            }
        }
        guard fits else { return nil }
        var next: (row: ActivityTasksTable.Insert, leased: ActivityTask)?
        var close: ExecutionsTable.Close?
        for event in completed {
            if let outcome = closeOutcome(of: event.attributes) {
                guard close == nil else { return nil }
                close = ExecutionsTable.Close(
                    runId: run.runId, status: outcome.status, closeTime: now, result: try JSONColumn.encodeIfPresent(outcome.result),
                    failure: try JSONColumn.encodeIfPresent(outcome.failure))
            }
            guard case .activityTaskScheduled(let scheduled) = event.attributes else { continue }
            guard next == nil, let eager, eager.limit > 0, scheduled.taskQueue == eager.taskQueue else { return nil }
            let (row, leased) = try activityTaskRow(scheduled, eventId: event.eventId, run: run, leasedTo: eager.owner, at: now)
            guard let leased else { return nil }  // Without a time limit it is not leased; the queue takes it.
            next = (row, leased)
        }
        guard next == nil || close == nil else { return nil }
        return (next, close)
    }

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
                try await connection.query(
                    """
                    UPDATE activity_tasks SET attempt = attempt + 1, visible_at = \(visibleAt), lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL, started_at = NULL, last_failure = \(try JSONColumn.encode(failure))::jsonb,
                        schedule_to_start_deadline = \(row.options.scheduleToStartTimeout.map { visibleAt.addingTimeInterval($0.seconds) })
                    WHERE run_id = \(row.runId) AND activity_id = \(row.activityId)
                    """, logger: logger)
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

    func deleteActivity(_ row: ActivityRow, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM activity_tasks WHERE run_id = \(row.runId) AND activity_id = \(row.activityId)", logger: logger)
    }

    /// Handles the workflow's request to cancel an activity: one not yet started is canceled at
    /// once; a running one is told through its next heartbeat.
    func cancelActivity(scheduledEventId: Int64, requestEventId: Int64, run: inout LockedRun, at now: Date, on connection: PostgresConnection)
        async throws
    {
        let rows = try await connection.query(
            """
            UPDATE activity_tasks SET cancel_requested = true WHERE run_id = \(run.runId) AND scheduled_event_id = \(scheduledEventId)
            RETURNING lease_owner IS NULL
            """, logger: logger)
        for try await notStarted in rows.decode(Bool.self) where notStarted {
            try await connection.query(
                "DELETE FROM activity_tasks WHERE run_id = \(run.runId) AND scheduled_event_id = \(scheduledEventId)", logger: logger)
            try await append(
                [.activityTaskCanceled(.init(scheduledEventId: scheduledEventId, latestCancelRequestedEventId: requestEventId))], to: &run,
                at: now, on: connection)
        }
    }

    /// Times out attempts and activities whose limits passed: an expired lease (start-to-close or
    /// heartbeat) ends the attempt; a passed schedule-to-start or schedule-to-close ends the activity.
    ///
    /// - Returns: how many activities were handled.
    @discardableResult
    public func reapActivities(at now: Date, limit: Int = 200) async throws -> Int {
        let candidates = try await client.query(
            """
            SELECT run_id, activity_id FROM activity_tasks
            WHERE (lease_owner IS NOT NULL AND lease_expires_at <= \(now))
               OR (lease_owner IS NULL AND schedule_to_start_deadline <= \(now))
               OR schedule_to_close_deadline <= \(now)
            LIMIT \(limit)
            """, logger: logger)
        var keys: [(UUID, String)] = []
        for try await key in candidates.decode((UUID, String).self) { keys.append(key) }
        var handled = 0
        for (runId, activityId) in keys {
            try await transaction { connection in
                var run = try await self.lockRun(runId, on: connection)
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: ActivityRow.columns)
                    FROM activity_tasks WHERE run_id = \(runId) AND activity_id = \(activityId) FOR UPDATE
                    """, logger: self.logger)
                guard let row = try await ActivityRow.decode(rows).first else { return }
                let deadlines = try await connection.query(
                    """
                    SELECT lease_expires_at, schedule_to_start_deadline, (options->>'heartbeatTimeout') IS NOT NULL
                        AND lease_expires_at < started_at + COALESCE((options->>'startToCloseTimeout')::float8, 1e9) * interval '1 second'
                    FROM activity_tasks WHERE run_id = \(runId) AND activity_id = \(activityId)
                    """, logger: self.logger)
                var kind: String?
                var endsActivity = false
                for try await (leaseExpiry, startDeadline, heartbeatBound) in deadlines.decode((Date?, Date?, Bool?).self) {
                    if let closeDeadline = row.scheduleToCloseDeadline, closeDeadline <= now {
                        kind = "ScheduleToClose"
                        endsActivity = true
                    } else if row.leaseOwner == nil, let startDeadline, startDeadline <= now {
                        kind = "ScheduleToStart"
                        endsActivity = true
                    } else if row.leaseOwner != nil, let leaseExpiry, leaseExpiry <= now {
                        kind = heartbeatBound == true ? "Heartbeat" : "StartToClose"
                    }
                }
                guard let kind else { return }
                let failure = Failure(
                    message: "activity \(row.activityType) timed out (\(kind))", type: Failure.Types.timeout, nonRetryable: endsActivity,
                    details: .object(["timeoutType": .string(kind)]))
                try await self.endAttempt(
                    row, of: &run, failure: failure, timedOut: true, retryable: !endsActivity, identity: nil, at: now, on: connection)
                handled += 1
            }
        }
        return handled
    }
}

extension Store {
    /// Gives an attempt back without counting it, for a worker shutting down: the task is visible
    /// again at once with the same attempt number.
    public func releaseActivity(_ task: ActivityTask, heartbeatDetails: Payload?, at now: Date) async throws {
        try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE activity_tasks SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, started_at = NULL,
                    visible_at = \(now), heartbeat_details = COALESCE(\(try JSONColumn.encodeIfPresent(heartbeatDetails))::jsonb, heartbeat_details)
                WHERE run_id = \(task.runId) AND activity_id = \(task.activityId) AND lease_token = \(task.leaseToken)
                RETURNING namespace, task_queue
                """, logger: self.logger)
            for try await (namespace, queue) in rows.decode((String, String).self) {
                try await self.notify(Channel.activityTasks(namespace: namespace, queue: queue), on: connection)
            }
        }
    }

    /// Keeps an attempt's last heartbeat details, so the next attempt resumes from them.
    func saveHeartbeatDetails(_ details: Payload?, runId: UUID, activityId: String, on connection: PostgresConnection) async throws {
        guard let details else { return }
        try await connection.query(
            """
            UPDATE activity_tasks SET heartbeat_details = \(try JSONColumn.encode(details))::jsonb
            WHERE run_id = \(runId) AND activity_id = \(activityId)
            """, logger: logger)
    }
}
