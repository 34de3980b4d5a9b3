import Foundation
import PostgresNIO
import Workflow

/// The workflow task that follows an activity's completion, decided by the worker on the run it
/// has cached before it calls the database, and written with the completion in one commit (see
/// ``Store/completeActivity(_:result:identity:step:at:)``). A value: the Store runs no workflow code.
package struct DecidedStep: Sendable {
    /// The run's next event id as the cached run knows it: its last event id + 1. If the history
    /// has moved past it, nothing of the step is written and the workflow task is queued instead.
    package var expectedNextEventId: Int64
    /// The run's task queue: the worker's own, which its workflow tasks came from.
    package var taskQueue: String
    /// What the workflow code ran on: the activity's `ActivityTaskStarted` and
    /// `ActivityTaskCompleted`, `WorkflowTaskScheduled` and `WorkflowTaskStarted`
    /// (``events(completing:result:identity:taskQueue:from:at:)``).
    package var events: [HistoryEvent]
    /// What the code decided.
    package var commands: [Command]
    /// Lets the worker take the activities the task schedules.
    package var eager: EagerActivities?
    /// How long the step's statement may take before it is abandoned (PostgresNIO can leave a
    /// query hanging when Postgres restarts); the worker passes its `databaseCallTimeout`.
    package var callTimeout: Duration

    package init(
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
    ///
    /// - Parameter history: the history's stored size as the worker knows it, and whether the
    ///   workflow task is told to continue as new, both recorded in its `WorkflowTaskStarted`.
    package static func events(
        completing task: ActivityTask, result: Payload?, identity: String, taskQueue: String, from next: Int64,
        history: WorkflowTaskHistory = .init(), at now: Date
    ) -> [HistoryEvent] {
        Store.events(
            Store.completedAttempt(scheduledEventId: task.scheduledEventId, attempt: task.attempt, startedEventId: next, result: result, identity: identity)
                + [
                    .workflowTaskScheduled(.init(taskQueue: taskQueue)),
                    .workflowTaskStarted(
                        .init(
                            scheduledEventId: next + 2, identity: identity, historySizeBytes: history.sizeBytes,
                            suggestContinueAsNew: history.suggestContinueAsNew)),
                ], from: next, at: now)
    }
}

extension Store {
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
    package func completeActivity(_ task: ActivityTask, result: Payload?, identity: String, step: DecidedStep? = nil, at now: Date)
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
            throw task.leaseLost()
        }
        return WorkflowTaskCompletion(
            events: decided.events + completed, eagerActivities: writes.next.map { [$0.leased] } ?? [], historyBytesBefore: held.historyBytes)
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
            guard next == nil, let eager, eager.takes(scheduled, taken: 0) else { return nil }
            let (row, leased) = try activityTaskRow(scheduled, eventId: event.eventId, run: run, leasedTo: eager.owner, at: now)
            guard let leased else { return nil }  // Without a time limit it is not leased; the queue takes it.
            next = (row, leased)
        }
        guard next == nil || close == nil else { return nil }
        return (next, close)
    }
}
