extension HistoryBuilder {
    /// The command events of the child commands; the parent's namespace is the child's.
    static func childAttributes(of command: Command, workflowTaskCompletedEventId completed: Int64, taskQueue: String, namespace: String)
        -> HistoryEvent.Attributes
    {
        switch command {
        case .startChildWorkflow(let start):
            return .startChildWorkflowExecutionInitiated(
                .init(
                    namespace: namespace, workflowId: start.workflowId, workflowType: start.workflowType, taskQueue: start.taskQueue ?? taskQueue,
                    input: start.input, workflowExecutionTimeout: start.executionTimeout?.seconds, workflowIdReusePolicy: start.idReusePolicy.rawValue,
                    parentClosePolicy: start.parentClosePolicy.rawValue, workflowTaskCompletedEventId: completed))
        case .signalExternalWorkflow(let signal):
            return .signalExternalWorkflowExecutionInitiated(
                .init(
                    namespace: namespace, workflowId: signal.workflowId, runId: signal.runId, signalName: signal.signalName, input: signal.input,
                    workflowTaskCompletedEventId: completed))
        case .requestCancelExternalWorkflow(let cancel):
            return .requestCancelExternalWorkflowExecutionInitiated(
                .init(namespace: namespace, workflowId: cancel.workflowId, runId: cancel.runId, workflowTaskCompletedEventId: completed))
        default:
            preconditionFailure("not a child command: \(command.summary)")
        }
    }

    /// The id of the `StartChildWorkflowExecutionInitiated` event of a child, by workflow id.
    package func initiatedEventId(ofChild workflowId: String) -> Int64? {
        events.last {
            if case .startChildWorkflowExecutionInitiated(let attributes) = $0.attributes { attributes.workflowId == workflowId } else { false }
        }?.eventId
    }

    /// Records a child's start (`ChildWorkflowExecutionStarted`) and schedules a workflow task.
    @discardableResult
    package mutating func startChild(_ workflowId: String, runId: String) -> HistoryEvent? {
        guard let initiated = initiatedEventId(ofChild: workflowId),
            case .startChildWorkflowExecutionInitiated(let attributes) = events[Int(initiated) - 1].attributes
        else { return nil }
        let started = append(
            .childWorkflowExecutionStarted(
                .init(namespace: attributes.namespace, initiatedEventId: initiated, workflowId: workflowId, runId: runId, workflowType: attributes.workflowType)))
        scheduleWorkflowTask()
        return started
    }
}
