/// What to do when a closed run with the same workflow id exists (Temporal's id-reuse policy).
public enum WorkflowIdReusePolicy: String, Sendable, Codable, CaseIterable {
    /// Start a new run whatever the earlier one ended with. The default.
    case allowDuplicate = "AllowDuplicate"
    /// Start a new run only if the earlier one did not complete successfully.
    case allowDuplicateFailedOnly = "AllowDuplicateFailedOnly"
    /// Never reuse the id.
    case rejectDuplicate = "RejectDuplicate"
}
