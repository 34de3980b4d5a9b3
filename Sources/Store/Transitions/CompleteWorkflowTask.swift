import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// Completes a workflow task in one transaction: its `WorkflowTaskStarted` and
    /// `WorkflowTaskCompleted`, one event per command, the activity tasks and timers the commands
    /// create, and the run's close when a command ends it.
    ///
    /// - Parameters:
    ///   - started: the `WorkflowTaskStarted` event the worker fed to the code; it is stored as is.
    ///   - eager: lets the completing worker take the activities it scheduled, in this transaction.
    /// - Throws: ``StoreError`` `StaleTask` when the lease was lost or new events arrived meanwhile.
    @discardableResult
    package func completeWorkflowTask(
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
        let historyBytesBefore = run.historyBytes
        try checkChildCommands(commands)
        let commands = try await limitedCommands(commands, startedEventId: started.eventId, run: run, on: connection)
        let (activityIds, timerIds) = try await referencedEventIds(of: commands, runId: run.runId, on: connection)
        let continuing = try await continuingRun(of: commands, run: run, on: connection)
        let events = Self.completionEvents(
            of: scheduledEventId, startedEventId: started.eventId, commands: commands, identity: identity, taskQueue: run.taskQueue,
            activityScheduledEventIds: activityIds, timerStartedEventIds: timerIds, continuation: continuing?.continuation,
            namespace: run.namespace, at: now)
        try await append(preceding + events, to: &run, on: connection)
        let leased = try await applyCommandEvents(events, of: &run, continuing: continuing, eager: eager, at: now, on: connection)
        try await appendBufferedEvents(of: &run, at: now, on: connection)
        return WorkflowTaskCompletion(events: preceding + events, eagerActivities: leased, historyBytesBefore: historyBytesBefore)
    }

    /// `WorkflowTaskCompleted` and one event per command, numbered after the task's `WorkflowTaskStarted`.
    static func completionEvents(
        of scheduledEventId: Int64, startedEventId: Int64, commands: [Command], identity: String, taskQueue: String,
        activityScheduledEventIds: [String: Int64] = [:], timerStartedEventIds: [String: Int64] = [:],
        continuation: HistoryBuilder.Continuation? = nil, namespace: String = "default", at now: Date
    ) -> [HistoryEvent] {
        let completedEventId = startedEventId + 1
        var attributes: [HistoryEvent.Attributes] = [
            .workflowTaskCompleted(.init(scheduledEventId: scheduledEventId, startedEventId: startedEventId, identity: identity))
        ]
        for command in commands {
            attributes.append(
                HistoryBuilder.attributes(
                    of: command, workflowTaskCompletedEventId: completedEventId, taskQueue: taskQueue,
                    activityScheduledEventIds: activityScheduledEventIds, timerStartedEventIds: timerStartedEventIds,
                    continuation: continuation, namespace: namespace))
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
                let lookup = TimersTable.StartedEventId(runId: runId, timerId: String(seq))
                for try await id in try await connection.execute(lookup, logger: logger) { timers[String(seq)] = id }
            default:
                break
            }
        }
        return (activities, timers)
    }

    /// Turns command events into task rows: activities to run (up to `eager.limit` of them leased
    /// to the completing worker at once), timers to fire, cancellations, and the run's close
    /// (with a continue-as-new, the new run's start).
    ///
    /// - Returns: the activity attempts leased eagerly.
    private func applyCommandEvents(
        _ events: [HistoryEvent], of run: inout LockedRun, continuing: ContinuingRun?, eager: EagerActivities?, at now: Date,
        on connection: PostgresConnection
    ) async throws -> [ActivityTask] {
        var notifiedQueues: Set<String> = []
        var leased: [ActivityTask] = []
        var timers: [(timerId: String, fireAt: Date, startedEventId: Int64)] = []
        var canceledTimers: [String] = []
        var childCommands: [HistoryEvent] = []
        // Upserts merge before a close or a continue-as-new reads the row: a closed run keeps its
        // last attributes, and a new run inherits them.
        var upserted: [String: Payload] = [:]
        for event in events {
            if case .upsertWorkflowSearchAttributes(let upsert) = event.attributes { upserted.merge(upsert.searchAttributes) { $1 } }
        }
        if !upserted.isEmpty {
            let merge = ExecutionsTable.MergeSearchAttributes(runId: run.runId, attributes: try JSONColumn.encode(JSONValue.object(upserted)))
            try await connection.run(merge, logger: logger)
        }
        try await completeUpdates(events, runId: run.runId, on: connection)
        for event in events {
            switch event.attributes {
            case .startChildWorkflowExecutionInitiated, .signalExternalWorkflowExecutionInitiated, .requestCancelExternalWorkflowExecutionInitiated:
                childCommands.append(event)
            case .activityTaskScheduled(let scheduled):
                if let eager, eager.takes(scheduled, taken: leased.count),
                    let task = try await insertActivityTask(scheduled, eventId: event.eventId, run: run, leasedTo: eager.owner, at: now, on: connection)
                {
                    leased.append(task)
                } else {
                    _ = try await insertActivityTask(scheduled, eventId: event.eventId, run: run, leasedTo: nil, at: now, on: connection)
                    notifiedQueues.insert(scheduled.taskQueue)
                }
            case .timerStarted(let timer):
                let timeout = try Duration.seconds(checked: timer.startToFireTimeout, field: "TimerStarted.startToFireTimeout")
                timers.append((timer.timerId, now.addingTimeInterval(timeout.seconds), event.eventId))
            case .timerCanceled(let timer):
                canceledTimers.append(timer.timerId)
            case .activityTaskCancelRequested(let request):
                try await cancelActivity(scheduledEventId: request.scheduledEventId, requestEventId: event.eventId, run: &run, at: now, on: connection)
            case .workflowExecutionContinuedAsNew:
                guard let continuing else { throw StoreError(.invalidArgument, "a WorkflowExecutionContinuedAsNew event needs its command") }
                try await continueAsNew(&run, continuing, at: now, on: connection)
            default:
                if let outcome = Self.closeOutcome(of: event.attributes) {
                    try await close(&run, status: outcome.status, result: outcome.result, failure: outcome.failure, at: now, on: connection)
                }
            }
        }
        // The close deleted every task row; children it initiated are not started, as in Temporal.
        guard run.status.isOpen else { return [] }
        try await applyChildCommands(childCommands, of: &run, at: now, on: connection)
        if !timers.isEmpty {
            try await connection.run(TimersTable.Insert(runId: run.runId, timers: timers), logger: logger)
            try await notify(Channel.timers, on: connection)
        }
        if !canceledTimers.isEmpty {
            try await connection.run(TimersTable.Cancel(runId: run.runId, timerIds: canceledTimers), logger: logger)
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
        case .workflowExecutionContinuedAsNew: (.continuedAsNew, nil, nil)
        default: nil
        }
    }
}
