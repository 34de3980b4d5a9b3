import Foundation

/// The identity of a run, as its workflow code sees it through ``WorkflowContext/info``.
public struct WorkflowInfo: Sendable, Hashable {
    public var namespace: String
    public var workflowId: String
    public var runId: String
    public var workflowType: String
    public var taskQueue: String
    /// The run id the random seed comes from; the run's own id unless it was continued.
    public var originalExecutionRunId: String

    public init(
        namespace: String, workflowId: String, runId: String, workflowType: String, taskQueue: String,
        originalExecutionRunId: String? = nil
    ) {
        self.namespace = namespace
        self.workflowId = workflowId
        self.runId = runId
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.originalExecutionRunId = originalExecutionRunId ?? runId
    }

    /// The info recorded in a history's first event.
    package init(namespace: String, runId: String? = nil, started: HistoryEvent.WorkflowExecutionStartedAttributes) {
        self.init(
            namespace: namespace, workflowId: started.workflowId,
            runId: runId ?? started.originalExecutionRunId, workflowType: started.workflowType,
            taskQueue: started.taskQueue, originalExecutionRunId: started.originalExecutionRunId)
    }
}
