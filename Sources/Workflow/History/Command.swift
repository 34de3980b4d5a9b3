/// What a workflow task asks the engine to do. Each command becomes one history event; on replay,
/// each command the code emits must match the recorded event.
package enum Command: Sendable, Hashable {
    /// Schedule an activity. `seq` is the activity's sequence number, and `String(seq)` its id.
    case scheduleActivity(ScheduleActivity)
    /// Ask for a scheduled activity to be canceled.
    case requestCancelActivity(seq: Int)
    /// Start a timer. `String(seq)` is its id.
    case startTimer(seq: Int, duration: Duration)
    /// Cancel a started timer.
    case cancelTimer(seq: Int)
    /// Record a side effect or a patch.
    case recordMarker(Marker)
    /// Set search attributes, merged over the run's (``WorkflowContext/upsertSearchAttributes(_:)``).
    case upsertSearchAttributes([String: Payload])
    /// End the run with a result.
    case completeWorkflow(result: Payload)
    /// End the run with a failure.
    case failWorkflow(failure: Failure)
    /// End the run canceled.
    case cancelWorkflow(details: Payload?)
    /// End the run and start a new run of the same workflow id in its place.
    case continueAsNew(ContinueAsNew)

    /// The new run a continue-as-new starts.
    package struct ContinueAsNew: Sendable, Hashable {
        package var workflowType: String
        package var taskQueue: String
        package var input: Payload
        /// Signals this run received that no code took (no handler, no wait): the new run gets
        /// them, in its history after `WorkflowExecutionStarted`, so that none is lost.
        package var carriedSignals: [CarriedSignal]

        package init(workflowType: String, taskQueue: String, input: Payload, carriedSignals: [CarriedSignal] = []) {
            self.workflowType = workflowType
            self.taskQueue = taskQueue
            self.input = input
            self.carriedSignals = carriedSignals
        }
    }

    /// A buffered signal handed to the next run.
    package struct CarriedSignal: Sendable, Hashable {
        package var name: String
        package var input: Payload

        package init(name: String, input: Payload) {
            self.name = name
            self.input = input
        }
    }
    /// Start a child run (`Command+Children.swift`).
    case startChildWorkflow(StartChildWorkflow)
    /// Signal a child run.
    case signalExternalWorkflow(SignalExternalWorkflow)
    /// Ask a child run to cancel.
    case requestCancelExternalWorkflow(RequestCancelExternalWorkflow)
    /// Record an accepted update's outcome (`WorkflowExecutionUpdateCompleted`).
    case completeUpdate(CompleteUpdate)

    /// An update's handler ended.
    package struct CompleteUpdate: Sendable, Hashable {
        package var updateId: String
        package var acceptedEventId: Int64
        package var outcome: HistoryEvent.UpdateOutcome

        package init(updateId: String, acceptedEventId: Int64, outcome: HistoryEvent.UpdateOutcome) {
            self.updateId = updateId
            self.acceptedEventId = acceptedEventId
            self.outcome = outcome
        }
    }

    /// The attributes of an activity to schedule.
    package struct ScheduleActivity: Sendable, Hashable {
        package var seq: Int
        package var activityType: String
        package var input: Payload
        package var options: ActivityOptions

        package init(seq: Int, activityType: String, input: Payload, options: ActivityOptions) {
            self.seq = seq
            self.activityType = activityType
            self.input = input
            self.options = options
        }

        /// The activity id, as recorded in history.
        package var activityId: String { String(seq) }
    }

    /// A marker: a side effect's value, or a patch.
    package struct Marker: Sendable, Hashable {
        package var name: String
        package var details: [String: Payload]

        package init(name: String, details: [String: Payload]) {
            self.name = name
            self.details = details
        }

        /// The marker name of side effects.
        package static let sideEffectName = "SideEffect"
        /// The marker name of patches.
        package static let patchName = "Patch"

        /// The id that replay matches on: the side effect's sequence number or the patch id.
        var matchId: Payload? { details["sideEffectId"] ?? details["patchId"] }
    }

    /// A one-line form for logs and non-determinism errors.
    package var summary: String {
        switch self {
        case .scheduleActivity(let command):
            "ScheduleActivityTask {activityId: \"\(command.activityId)\", activityType: \"\(command.activityType)\"}"
        case .requestCancelActivity(let seq): "RequestCancelActivityTask {activityId: \"\(seq)\"}"
        case .startTimer(let seq, let duration): "StartTimer {timerId: \"\(seq)\", startToFireTimeout: \(duration.seconds)s}"
        case .cancelTimer(let seq): "CancelTimer {timerId: \"\(seq)\"}"
        case .recordMarker(let marker):
            "RecordMarker {markerName: \"\(marker.name)\", id: \(marker.matchId?.compactDescription ?? "none")}"
        case .upsertSearchAttributes(let attributes):
            "UpsertWorkflowSearchAttributes {searchAttributes: \(JSONValue.object(attributes).compactDescription)}"
        case .completeWorkflow: "CompleteWorkflowExecution"
        case .failWorkflow(let failure): "FailWorkflowExecution {failure: \"\(failure.type): \(failure.message)\"}"
        case .cancelWorkflow: "CancelWorkflowExecution"
        case .continueAsNew(let command): "ContinueAsNewWorkflowExecution {workflowType: \"\(command.workflowType)\"}"
        case .startChildWorkflow(let command):
            "StartChildWorkflowExecution {workflowId: \"\(command.workflowId)\", workflowType: \"\(command.workflowType)\"}"
        case .signalExternalWorkflow(let command):
            "SignalExternalWorkflowExecution {workflowId: \"\(command.workflowId)\", signalName: \"\(command.signalName)\"}"
        case .requestCancelExternalWorkflow(let command): "RequestCancelExternalWorkflowExecution {workflowId: \"\(command.workflowId)\"}"
        case .completeUpdate(let command): "CompleteWorkflowExecutionUpdate {updateId: \"\(command.updateId)\"}"
        }
    }
}
