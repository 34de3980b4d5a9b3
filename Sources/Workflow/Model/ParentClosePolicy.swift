/// What happens to a child run that is still open when its parent closes (Temporal's parent close
/// policy). The parent's closing transaction applies it, whatever closed the parent: completion,
/// failure, cancellation, timeout or termination.
public enum ParentClosePolicy: String, Sendable, Codable, CaseIterable {
    /// The child is terminated (`WorkflowExecutionTerminated`). The default.
    case terminate = "Terminate"
    /// The child is asked to cancel (`WorkflowExecutionCancelRequested`) and may compensate.
    case requestCancel = "RequestCancel"
    /// The child runs on, on its own.
    case abandon = "Abandon"
}
