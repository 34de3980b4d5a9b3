/// The status of a run, with Temporal's names plus `Paused` for a run whose workflow task keeps
/// failing (non-determinism, a bug) and waits for an operator.
public enum WorkflowStatus: String, Sendable, Codable, CaseIterable {
    case running = "Running"
    case completed = "Completed"
    case failed = "Failed"
    case canceled = "Canceled"
    case terminated = "Terminated"
    case timedOut = "TimedOut"
    case paused = "Paused"

    /// Whether the run can still make progress or receive signals.
    public var isOpen: Bool { self == .running || self == .paused }
}
