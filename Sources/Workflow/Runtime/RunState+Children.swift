/// What a run knows of its children: who they are, their outcomes, and which recorded command
/// event stands for which wait. Each entry is learned in history order, so replay rebuilds it.
struct ChildBookkeeping: Sendable {
    struct Child: Sendable {
        var workflowId: String
        var workflowType: String
        var runId: String?
    }

    /// Each child by its sequence number, from the moment its start command is emitted.
    var bySeq: [Int: Child] = [:]
    /// `StartChildWorkflowExecutionInitiated` event id → the child's sequence number.
    var seqByInitiatedEventId: [Int64: Int] = [:]
    /// Outcomes that arrived, kept for ``ChildWorkflowHandle/result()`` calls made later.
    var results: [Int: Result<Payload?, ChildWorkflowFailure>] = [:]
    /// The `…ExternalWorkflowExecutionInitiated` event id of a signal or cancel request → its wait.
    var requestByInitiatedEventId: [Int64: WaitKey] = [:]

    /// The child with a workflow id, for a failed request that names only the id.
    func child(workflowId: String) -> Child? { bySeq.values.first { $0.workflowId == workflowId } }
}
