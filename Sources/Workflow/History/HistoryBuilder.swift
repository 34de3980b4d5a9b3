import Foundation

/// Appends events to a run's history the way the engine does: dense ids, command events after
/// `WorkflowTaskCompleted`, results referring to their scheduled events.
///
/// The durable engine uses it to turn a workflow task's commands into events, and tests use it
/// to write histories without a database.
package struct HistoryBuilder: Sendable {
    /// The events so far.
    package private(set) var events: [HistoryEvent] = []
    /// The time stamped on the next event.
    package var now: Date
    /// The queue that activities without a queue of their own run on.
    package let taskQueue: String

    private var activityScheduledEventIds: [String: Int64] = [:]
    private var timerStartedEventIds: [String: Int64] = [:]
    private var workflowTaskScheduledEventId: Int64?
    private var workflowTaskStartedEventId: Int64?
    private var workflowExecutionTimeout: Double?

    /// Continues an existing history.
    package init(events: [HistoryEvent], taskQueue: String, now: Date) {
        self.taskQueue = taskQueue
        self.now = now
        for event in events { record(event) }
    }

    /// Starts a history with `WorkflowExecutionStarted` and the first `WorkflowTaskScheduled`.
    package init(started: HistoryEvent.WorkflowExecutionStartedAttributes, now: Date) {
        self.init(events: [], taskQueue: started.taskQueue, now: now)
        append(.workflowExecutionStarted(started))
        append(.workflowTaskScheduled(.init(taskQueue: started.taskQueue)))
    }

    /// The id the next event gets.
    package var nextEventId: Int64 { (events.last?.eventId ?? 0) + 1 }

    /// Whether a workflow task is scheduled or running.
    package var hasPendingWorkflowTask: Bool { workflowTaskScheduledEventId != nil }

    @discardableResult
    package mutating func append(_ attributes: HistoryEvent.Attributes) -> HistoryEvent {
        let event = HistoryEvent(eventId: nextEventId, eventTime: now, attributes: attributes)
        record(event)
        return event
    }

    private mutating func record(_ event: HistoryEvent) {
        events.append(event)
        switch event.attributes {
        case .activityTaskScheduled(let attributes): activityScheduledEventIds[attributes.activityId] = event.eventId
        case .timerStarted(let attributes): timerStartedEventIds[attributes.timerId] = event.eventId
        case .workflowTaskScheduled: workflowTaskScheduledEventId = event.eventId
        case .workflowTaskStarted: workflowTaskStartedEventId = event.eventId
        case .workflowExecutionStarted(let attributes): workflowExecutionTimeout = attributes.workflowExecutionTimeout
        case .workflowTaskCompleted, .workflowTaskFailed:
            workflowTaskScheduledEventId = nil
            workflowTaskStartedEventId = nil
        default: break
        }
    }

    /// Schedules a workflow task unless one is already pending.
    package mutating func scheduleWorkflowTask() {
        guard workflowTaskScheduledEventId == nil else { return }
        append(.workflowTaskScheduled(.init(taskQueue: taskQueue)))
    }

    /// Starts the scheduled workflow task.
    package mutating func startWorkflowTask(identity: String? = nil) {
        guard let scheduled = workflowTaskScheduledEventId, workflowTaskStartedEventId == nil else { return }
        append(.workflowTaskStarted(.init(scheduledEventId: scheduled, identity: identity)))
    }

    /// Completes the running workflow task with its commands, each becoming one event.
    ///
    /// - Parameter newExecutionRunId: the run a continue-as-new command starts.
    package mutating func completeWorkflowTask(commands: [Command], identity: String? = nil, newExecutionRunId: String = UUID().uuidString.lowercased()) {
        guard let scheduled = workflowTaskScheduledEventId, let started = workflowTaskStartedEventId else { return }
        let completed = append(.workflowTaskCompleted(.init(scheduledEventId: scheduled, startedEventId: started, identity: identity))).eventId
        for command in commands {
            append(attributes(of: command, workflowTaskCompletedEventId: completed, newExecutionRunId: newExecutionRunId))
        }
    }

    /// Fails the running workflow task; its commands are discarded and it is scheduled again.
    package mutating func failWorkflowTask(_ error: WorkflowTaskError, identity: String? = nil) {
        guard let scheduled = workflowTaskScheduledEventId, let started = workflowTaskStartedEventId else { return }
        append(
            .workflowTaskFailed(
                .init(scheduledEventId: scheduled, startedEventId: started, cause: error.code.rawValue, failure: Failure(error), identity: identity)))
    }

    /// The event that records a command.
    package func attributes(of command: Command, workflowTaskCompletedEventId completed: Int64, newExecutionRunId: String = "")
        -> HistoryEvent.Attributes
    {
        Self.attributes(
            of: command, workflowTaskCompletedEventId: completed, taskQueue: taskQueue,
            activityScheduledEventIds: activityScheduledEventIds, timerStartedEventIds: timerStartedEventIds,
            continuation: .init(newExecutionRunId: newExecutionRunId, workflowExecutionTimeout: workflowExecutionTimeout))
    }

    /// What a continue-as-new's event records besides its command: the new run's id, and the
    /// execution timeout the chain carries over from its first run.
    package struct Continuation: Sendable {
        package var newExecutionRunId: String
        package var workflowExecutionTimeout: Double?

        package init(newExecutionRunId: String, workflowExecutionTimeout: Double?) {
            self.newExecutionRunId = newExecutionRunId
            self.workflowExecutionTimeout = workflowExecutionTimeout
        }
    }

    /// The event that records a command, given the ids of the events that cancel commands refer to
    /// and, for a continue-as-new, the new run.
    package static func attributes(
        of command: Command, workflowTaskCompletedEventId completed: Int64, taskQueue: String,
        activityScheduledEventIds: [String: Int64], timerStartedEventIds: [String: Int64], continuation: Continuation? = nil,
        namespace: String = "default"
    ) -> HistoryEvent.Attributes {
        switch command {
        case .scheduleActivity(let command):
            let options = command.options
            return .activityTaskScheduled(
                .init(
                    activityId: command.activityId, activityType: command.activityType, taskQueue: options.taskQueue ?? taskQueue,
                    input: command.input, scheduleToCloseTimeout: options.scheduleToCloseTimeout?.seconds,
                    scheduleToStartTimeout: options.scheduleToStartTimeout?.seconds,
                    startToCloseTimeout: options.startToCloseTimeout?.seconds, heartbeatTimeout: options.heartbeatTimeout?.seconds,
                    retryPolicy: options.retryPolicy, deadLetter: options.deadLetter, workflowTaskCompletedEventId: completed))
        case .requestCancelActivity(let seq):
            return .activityTaskCancelRequested(
                .init(scheduledEventId: activityScheduledEventIds[String(seq)] ?? 0, workflowTaskCompletedEventId: completed))
        case .startTimer(let seq, let duration):
            return .timerStarted(.init(timerId: String(seq), startToFireTimeout: duration.seconds, workflowTaskCompletedEventId: completed))
        case .cancelTimer(let seq):
            return .timerCanceled(
                .init(timerId: String(seq), startedEventId: timerStartedEventIds[String(seq)] ?? 0, workflowTaskCompletedEventId: completed))
        case .recordMarker(let marker):
            return .markerRecorded(.init(markerName: marker.name, details: marker.details, workflowTaskCompletedEventId: completed))
        case .upsertSearchAttributes(let attributes):
            return .upsertWorkflowSearchAttributes(.init(searchAttributes: attributes, workflowTaskCompletedEventId: completed))
        case .completeWorkflow(let result):
            return .workflowExecutionCompleted(.init(result: result, workflowTaskCompletedEventId: completed))
        case .failWorkflow(let failure):
            return .workflowExecutionFailed(.init(failure: failure, workflowTaskCompletedEventId: completed))
        case .cancelWorkflow(let details):
            return .workflowExecutionCanceled(.init(details: details, workflowTaskCompletedEventId: completed))
        case .continueAsNew(let command):
            return .workflowExecutionContinuedAsNew(
                .init(
                    newExecutionRunId: continuation?.newExecutionRunId ?? "", workflowType: command.workflowType, taskQueue: command.taskQueue,
                    input: command.input, workflowExecutionTimeout: continuation?.workflowExecutionTimeout,
                    workflowTaskCompletedEventId: completed))
        case .completeUpdate(let command):
            return .workflowExecutionUpdateCompleted(
                .init(meta: .init(updateId: command.updateId), acceptedEventId: command.acceptedEventId, outcome: command.outcome))
        case .startChildWorkflow, .signalExternalWorkflow, .requestCancelExternalWorkflow:
            return childAttributes(of: command, workflowTaskCompletedEventId: completed, taskQueue: taskQueue, namespace: namespace)
        }
    }

    /// The scheduled event id of an activity, by activity id.
    package func scheduledEventId(ofActivity activityId: String) -> Int64? { activityScheduledEventIds[activityId] }

    /// Records an activity's success (with its started event) and schedules a workflow task.
    package mutating func completeActivity(_ activityId: String, result: Payload?, attempt: Int = 1) {
        guard let scheduled = activityScheduledEventIds[activityId] else { return }
        let started = append(.activityTaskStarted(.init(scheduledEventId: scheduled, attempt: attempt))).eventId
        append(.activityTaskCompleted(.init(scheduledEventId: scheduled, startedEventId: started, result: result)))
        scheduleWorkflowTask()
    }

    /// Records an activity's final failure and schedules a workflow task.
    package mutating func failActivity(_ activityId: String, failure: Failure, attempt: Int = 1) {
        guard let scheduled = activityScheduledEventIds[activityId] else { return }
        let started = append(.activityTaskStarted(.init(scheduledEventId: scheduled, attempt: attempt))).eventId
        append(
            .activityTaskFailed(
                .init(scheduledEventId: scheduled, startedEventId: started, failure: failure, retryState: "MaximumAttemptsReached")))
        scheduleWorkflowTask()
    }

    /// Records a timer firing and schedules a workflow task.
    package mutating func fireTimer(_ timerId: String) {
        guard let started = timerStartedEventIds[timerId] else { return }
        append(.timerFired(.init(timerId: timerId, startedEventId: started)))
        scheduleWorkflowTask()
    }

    /// Records a signal and schedules a workflow task.
    package mutating func signal(_ name: String, input: Payload?) {
        append(.workflowExecutionSignaled(.init(signalName: name, input: input)))
        scheduleWorkflowTask()
    }

    /// Records a cancel request and schedules a workflow task.
    package mutating func requestCancel(reason: String? = nil) {
        append(.workflowExecutionCancelRequested(.init(cause: reason)))
        scheduleWorkflowTask()
    }
}
