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

/// The workflow task that follows an activity's completion, decided by the worker on the run it
/// has cached before it calls the database, and written with the completion in one commit (see
/// ``Store/completeActivity(_:result:identity:step:at:)``). A value: the Store runs no workflow code.
public struct DecidedStep: Sendable {
    /// The run's next event id as the cached run knows it: its last event id + 1. If the history
    /// has moved past it, nothing of the step is written and the workflow task is queued instead.
    public var expectedNextEventId: Int64
    /// The run's task queue: the worker's own, which its workflow tasks came from.
    public var taskQueue: String
    /// What the workflow code ran on: the activity's `ActivityTaskStarted` and
    /// `ActivityTaskCompleted`, `WorkflowTaskScheduled` and `WorkflowTaskStarted`
    /// (``events(completing:result:identity:taskQueue:from:at:)``).
    public var events: [HistoryEvent]
    /// What the code decided.
    public var commands: [Command]
    /// Lets the worker take the activities the task schedules.
    public var eager: EagerActivities?
    /// How long the step's statement may take before it is abandoned (PostgresNIO can leave a
    /// query hanging when Postgres restarts); the worker passes its `databaseCallTimeout`.
    public var callTimeout: Duration

    public init(
        expectedNextEventId: Int64, taskQueue: String, events: [HistoryEvent], commands: [Command], eager: EagerActivities?,
        callTimeout: Duration = defaultDatabaseCallTimeout
    ) {
        self.expectedNextEventId = expectedNextEventId
        self.taskQueue = taskQueue
        self.events = events
        self.commands = commands
        self.eager = eager
        self.callTimeout = callTimeout
    }

    /// The events that completing `task` appends, with the workflow task that follows, to a run
    /// whose next event id is `next`: what the worker runs the cached run's code on.
    public static func events(completing task: ActivityTask, result: Payload?, identity: String, taskQueue: String, from next: Int64, at now: Date)
        -> [HistoryEvent]
    {
        Store.events(
            Store.completedAttempt(scheduledEventId: task.scheduledEventId, attempt: task.attempt, startedEventId: next, result: result, identity: identity)
                + [
                    .workflowTaskScheduled(.init(taskQueue: taskQueue)),
                    .workflowTaskStarted(.init(scheduledEventId: next + 2, identity: identity)),
                ], from: next, at: now)
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
        var tasks: [ActivityTask] = []
        let poll = ActivityTasksTable.Poll(now: now, taskQueue: taskQueue, namespaces: namespaces, limit: Int64(limit), owner: owner)
        for try await task in try await client.execute(poll, logger: logger) { tasks.append(task) }
        return tasks
    }

    /// Records a heartbeat: the details, and a lease extended up to the attempt's limits.
    ///
    /// - Returns: whether the workflow asked for the activity to be canceled.
    /// - Throws: ``StoreError`` `StaleTask` when the attempt lost its lease: stop working.
    public func heartbeat(_ task: ActivityTask, details: Payload?, at now: Date) async throws -> Bool {
        let heartbeat = ActivityTasksTable.Heartbeat(task: task, details: try JSONColumn.encodeIfPresent(details), now: now)
        for try await canceled in try await client.execute(heartbeat, logger: logger) { return canceled }
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
    /// When the worker holds the run in its cache, it runs the next workflow task on it first, on
    /// the events this completion writes if nothing else happened to the run since, and hands the
    /// outcome over as `step`; the writes check under the run's lock that nothing did. Then the
    /// whole step, from the activity's result to the next activity leased to the same worker,
    /// costs one commit and no poll; in the common cases (one new activity on the worker's queue, or
    /// the run's end) it is one statement (``CompleteSteps``), shared with the steps of other runs
    /// that complete at the same time.
    ///
    /// - Returns: the step's completion, or nil when the step was not written (the history moved
    ///   on, or there was none) and a workflow task was queued.
    /// - Throws: ``StoreError`` `StaleTask` when the attempt lost its lease (a stale worker).
    @discardableResult
    public func completeActivity(_ task: ActivityTask, result: Payload?, identity: String, step: DecidedStep? = nil, at now: Date)
        async throws -> WorkflowTaskCompletion?
    {
        if let step, step.events.first?.eventId != step.expectedNextEventId || step.events.count != 4 {
            throw StoreError(.invalidArgument, "a decided step's events must be DecidedStep.events(completing:…) from its expected next event id")
        }
        if let step, let completion = try await completeStep(task, step, identity: identity, at: now) {
            return completion
        }
        return try await transaction { connection in
            var (run, row) = try await self.lockLeased(task, delete: true, on: connection)
            if let step, run.status == .running, run.nextEventId == step.expectedNextEventId, run.taskQueue == step.taskQueue {
                return try await self.recordCompletion(
                    of: step.expectedNextEventId + 2, after: step.events, commands: step.commands, identity: identity, run: &run,
                    eager: step.eager, at: now, on: connection)
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
    static func completedAttempt(scheduledEventId: Int64, attempt: Int, startedEventId: Int64, result: Payload?, identity: String)
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
    private func completeStep(_ task: ActivityTask, _ decided: DecidedStep, identity: String, at now: Date) async throws -> WorkflowTaskCompletion? {
        guard let started = decided.events.last else { return nil }
        let completed = Self.completionEvents(
            of: started.eventId - 1, startedEventId: started.eventId, commands: decided.commands, identity: identity, taskQueue: decided.taskQueue,
            at: now)
        // The run as the worker's cache knows it; the statement checks it under the run's lock.
        let run = LockedRun(
            runId: task.runId, namespace: task.info.namespace, workflowId: task.info.workflowId, workflowType: task.info.workflowType,
            taskQueue: decided.taskQueue, status: .running, nextEventId: decided.expectedNextEventId, cancelRequested: false)
        // A task the limits refuse takes the longer path, which fails the run.
        guard
            limits.workflowTaskFailure(
                commands: decided.commands, lastEventId: started.eventId + Int64(completed.count), historyBytes: 0, pendingActivities: 0) == nil,
            let writes = try Self.oneStatementWrites(of: decided.commands, events: completed, run: run, eager: decided.eager, at: now)
        else { return nil }
        let step = CompleteSteps.Step(
            task: task, expectedNextEventId: decided.expectedNextEventId, taskQueue: decided.taskQueue, events: decided.events + completed,
            nextActivity: writes.next?.row, close: writes.close)
        let held = try await stepWriter.submit(step) { steps in
            await self.writeBatch(steps, timeout: decided.callTimeout) { CompleteSteps(steps: $0, maxHistoryBytes: self.limits.maxHistoryBytes) }
        }
        guard held.run else { return nil }
        guard held.lease else {
            throw StoreError(
                .staleTask, "activity \(task.activityId) of run \(task.runId) attempt \(task.attempt) no longer holds its lease; its result is refused")
        }
        return WorkflowTaskCompletion(events: decided.events + completed, eagerActivities: writes.next.map { [$0.leased] } ?? [])
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

    /// Times out attempts and activities whose limits passed: an expired lease (start-to-close or
    /// heartbeat) ends the attempt; a passed schedule-to-start or schedule-to-close ends the activity.
    ///
    /// - Returns: how many activities were handled.
    @discardableResult
    public func reapActivities(at now: Date, limit: Int = 200) async throws -> Int {
        var keys: [(UUID, String)] = []
        for try await key in try await client.execute(ActivityTasksTable.Overdue(now: now, limit: Int64(limit)), logger: logger) { keys.append(key) }
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
enum ActivityTimeout: String {
    case scheduleToClose = "ScheduleToClose"
    case scheduleToStart = "ScheduleToStart"
    case startToClose = "StartToClose"
    case heartbeat = "Heartbeat"

    /// Whether it ends the activity (no more attempts) rather than the attempt.
    var endsActivity: Bool { self == .scheduleToClose || self == .scheduleToStart }
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
