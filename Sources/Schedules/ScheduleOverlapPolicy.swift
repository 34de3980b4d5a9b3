/// What a schedule does when a tick falls due while its previous action's run is still open,
/// with Temporal's names.
public enum ScheduleOverlapPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Drop the tick (the default).
    case skip = "Skip"
    /// Keep the latest tick and start it when the open run closes.
    case bufferOne = "BufferOne"
    /// Keep every tick and start them one after another.
    case bufferAll = "BufferAll"
    /// Ask the open run to cancel, then start the tick when it closes.
    case cancelOther = "CancelOther"
    /// Terminate the open run and start the tick at once.
    case terminateOther = "TerminateOther"
    /// Start the tick at once, beside the open run.
    case allowAll = "AllowAll"
}
