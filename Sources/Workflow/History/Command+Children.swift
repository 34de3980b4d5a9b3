/// The commands a parent gives about its children. Each takes the next sequence number of its
/// kind; replay matches its event by workflow id (and type, or signal name).
extension Command {
    /// Start a child run: `StartChildWorkflowExecutionInitiated`.
    package struct StartChildWorkflow: Sendable, Hashable {
        package var seq: Int
        package var workflowId: String
        package var workflowType: String
        /// `nil` for the parent's queue.
        package var taskQueue: String?
        package var input: Payload
        package var executionTimeout: Duration?
        package var idReusePolicy: WorkflowIdReusePolicy
        package var parentClosePolicy: ParentClosePolicy

        package init(
            seq: Int, workflowId: String, workflowType: String, taskQueue: String?, input: Payload, executionTimeout: Duration?,
            idReusePolicy: WorkflowIdReusePolicy, parentClosePolicy: ParentClosePolicy
        ) {
            self.seq = seq
            self.workflowId = workflowId
            self.workflowType = workflowType
            self.taskQueue = taskQueue
            self.input = input
            self.executionTimeout = executionTimeout
            self.idReusePolicy = idReusePolicy
            self.parentClosePolicy = parentClosePolicy
        }
    }

    /// Signal a child run: `SignalExternalWorkflowExecutionInitiated`.
    package struct SignalExternalWorkflow: Sendable, Hashable {
        package var seq: Int
        package var workflowId: String
        package var runId: String?
        package var signalName: String
        package var input: Payload

        package init(seq: Int, workflowId: String, runId: String?, signalName: String, input: Payload) {
            self.seq = seq
            self.workflowId = workflowId
            self.runId = runId
            self.signalName = signalName
            self.input = input
        }
    }

    /// Ask a child run to cancel: `RequestCancelExternalWorkflowExecutionInitiated`.
    package struct RequestCancelExternalWorkflow: Sendable, Hashable {
        package var seq: Int
        package var workflowId: String
        package var runId: String?

        package init(seq: Int, workflowId: String, runId: String?) {
            self.seq = seq
            self.workflowId = workflowId
            self.runId = runId
        }
    }
}
