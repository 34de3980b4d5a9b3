/// Thrown into the parent's code when a child run did not complete: it failed, was canceled,
/// timed out or was terminated; or it could not start (its workflow id was taken); or a signal or
/// cancel request sent through its handle found it closed. ``cause`` says which, and its message
/// names the child.
///
/// Escaping the parent's `run`, it fails the parent, as an ``ActivityFailure`` does.
///
/// ## Usage
/// ```swift
/// do {
///     try await context.executeChild(SubscriptionDunning.self, input)
/// } catch let failure as ChildWorkflowFailure where failure.cause.type == "PaymentDeclined" {
///     // …
/// }
/// ```
public struct ChildWorkflowFailure: FailureConvertible, CustomStringConvertible, Sendable {
    /// The failure type recorded in history.
    public static let type = "ChildWorkflowFailure"

    /// The cause types Reprise itself gives, besides the child's own failure.
    public enum Causes {
        /// An open run holds the workflow id, or the id-reuse policy refuses a closed one.
        public static let alreadyStarted = "WorkflowExecutionAlreadyStarted"
        /// A signal or cancel request found the child closed or gone.
        public static let notFound = "ExternalWorkflowExecutionNotFound"
    }

    public var workflowId: String
    /// The child's run id; empty when the child never started.
    public var runId: String
    public var workflowType: String
    /// What the child ended with: its own failure, a ``Failure/Types/canceled``,
    /// ``Failure/Types/timeout`` or ``Failure/Types/terminated`` failure, or one of ``Causes``.
    public var cause: Failure

    public init(workflowId: String, runId: String, workflowType: String, cause: Failure) {
        self.workflowId = workflowId
        self.runId = runId
        self.workflowType = workflowType
        self.cause = cause
    }

    public var failure: Failure {
        Failure(message: summary, type: Self.type, nonRetryable: cause.nonRetryable, cause: cause)
    }

    private var summary: String {
        "child workflow \(workflowType) (id \"\(workflowId)\"\(runId.isEmpty ? "" : ", run \(runId)")) failed: \(cause.type): \(cause.message)"
    }

    public var description: String { "\(Self.type): \(summary)" }
}
