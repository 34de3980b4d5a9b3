/// The status of a run, with Temporal's names plus `Paused` for a run whose workflow task keeps
/// failing (non-determinism, a bug) and waits for an operator. `ContinuedAsNew`: the run ended by
/// starting a new run of the same workflow id in its place.
public enum WorkflowStatus: String, Sendable, Codable, CaseIterable {
    case running = "Running"
    case completed = "Completed"
    case failed = "Failed"
    case canceled = "Canceled"
    case terminated = "Terminated"
    case timedOut = "TimedOut"
    case paused = "Paused"
    case continuedAsNew = "ContinuedAsNew"

    /// Whether the run can still make progress or receive signals.
    public var isOpen: Bool { self == .running || self == .paused }
}
