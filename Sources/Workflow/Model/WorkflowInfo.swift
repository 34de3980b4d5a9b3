import Foundation

/// The identity of a run, as its workflow code sees it through ``WorkflowContext/info``.
public struct WorkflowInfo: Sendable, Hashable {
    public var namespace: String
    public var workflowId: String
    public var runId: String
    public var workflowType: String
    public var taskQueue: String
    /// The run id the random seed comes from: the run's own id. A run started by continue-as-new
    /// has its own too (as in Temporal), so each run of a chain draws different random values.
    public var originalExecutionRunId: String
    /// The run this one continued, when a continue-as-new started it.
    public var continuedExecutionRunId: String?
    /// The first run of the chain of continue-as-new runs this run belongs to; its own id for a
    /// run that continued nothing.
    public var firstExecutionRunId: String
    /// How many events the history had when the current workflow task started (up to and
    /// including its `WorkflowTaskStarted`).
    public var historyLength: Int = 0
    /// The stored size of the history, in bytes of event JSON as the Store counts them, when the
    /// current workflow task started (the size the worker last learned: its poll's, or, for a
    /// task run inline after an activity, the size before the previous workflow task's events).
    public var historySize: Int = 0
    /// Whether the history has grown past the point at which the engine suggests continuing as
    /// new (``WorkflowContext/continueAsNew(input:)``; `Limits.continueAsNewSuggestedEvents` and
    /// `Limits.continueAsNewSuggestedBytes`). Decided when the workflow task started and recorded
    /// in its `WorkflowTaskStarted`, so replay sees the same answer.
    public var continueAsNewSuggested: Bool = false

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
        self.firstExecutionRunId = runId
    }

    /// The info recorded in a history's first event.
    package init(namespace: String, runId: String? = nil, started: HistoryEvent.WorkflowExecutionStartedAttributes) {
        self.init(
            namespace: namespace, workflowId: started.workflowId,
            runId: runId ?? started.originalExecutionRunId, workflowType: started.workflowType,
            taskQueue: started.taskQueue, originalExecutionRunId: started.originalExecutionRunId)
        continuedExecutionRunId = started.continuedExecutionRunId
        firstExecutionRunId = started.firstExecutionRunId ?? self.runId
    }
}
