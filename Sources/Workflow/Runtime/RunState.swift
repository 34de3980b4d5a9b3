import Foundation

/// What a context await is parked on. Ordered by kind, then sequence number, so every sweep over
/// parked waits (cancellation, conditions, eviction) runs in one deterministic order.
struct WaitKey: Hashable, Comparable, Sendable {
    enum Kind: Int, Comparable, Sendable {
        case activity, timer, signal, condition, handlerInbox
        /// A continue-as-new's caller, parked until the run is evicted: the run has ended.
        case closing
        /// A child's start, its result, and the signals and cancel requests sent to children.
        case childStart, childResult, externalSignal, externalCancel
        static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    var kind: Kind
    var seq: Int

    static func < (lhs: WaitKey, rhs: WaitKey) -> Bool { (lhs.kind, lhs.seq) < (rhs.kind, rhs.seq) }
}

/// A run's mutable state. It lives behind a `Mutex` in ``WorkflowRun``; all of it is touched only
/// from the activating thread, and the lock makes that safe to state to the compiler.
struct RunState: Sendable {
    typealias Continuation = CheckedContinuation<Payload?, any Error>

    // Sequence numbers, one counter per kind (docs/workflows.md, "How the runtime keeps it deterministic").
    var nextSeq: [WaitKey.Kind: Int] = [:]
    var nextSideEffectSeq = 1

    /// Commands emitted by the current activation.
    var commands: [Command] = []
    /// Context awaits waiting for history.
    var parked: [WaitKey: Continuation] = [:]
    /// Waits whose task was canceled, to be resumed in key order after the current job.
    var pendingCancels: Set<WaitKey> = []
    var conditions: [Int: @Sendable () -> Bool] = [:]

    var signalWaiters: [String: [Int]] = [:]
    var signalBuffer: [String: [Payload]] = [:]
    var signalHandlers: [String: @Sendable (Payload) async throws -> Void] = [:]
    var handlerInvocations: [@Sendable () async -> Void] = []
    var handlerInboxOpen = true
    /// Query handlers by name; they read state and never record history.
    var queryHandlers: [String: @Sendable (Payload) throws -> Payload] = [:]
    /// Update handlers by name, and accepted updates waiting for a handler to be registered.
    var updateHandlers: [String: UpdateHandler] = [:]
    var updateBuffer: [String: [AcceptedUpdate]] = [:]
    /// Set while a query handler runs: any context call that would record history refuses.
    var queryInProgress = false
    /// The first call a query handler made that would have recorded history.
    var queryRefusal: QueryError?

    /// Activity bookkeeping learned from history: scheduled event id → seq, and seq → type.
    var activitySeqByScheduledEventId: [Int64: Int] = [:]
    var activityTypes: [Int: String] = [:]
    /// Children and the requests sent to them (`RunState+Children.swift`).
    var children = ChildBookkeeping()

    var now = Date(timeIntervalSince1970: 0)
    var isReplaying = false
    var random: SplitMix64
    /// Side-effect values and patch ids recorded in the command events of the task being replayed.
    var recordedSideEffects: [Int: Payload] = [:]
    var recordedPatches: Set<String> = []
    var patchDecisions: [String: Bool] = [:]

    /// What the current workflow task's `WorkflowTaskStarted` and the run's first event say
    /// (``WorkflowInfo``'s history and chain fields).
    var history = HistoryInfo()

    var cancelRequested = false
    var evicting = false
    var outcome: Outcome?
    var outcomeReported = false
    var rootFinished = false
    /// A failure of the workflow task noticed inside workflow code (an escape, say), which must
    /// fail the activation even if the code catches the thrown error.
    var taskFailure: WorkflowTaskError?

    init(seed: String) { self.random = SplitMix64(seed: seed) }

    mutating func takeSeq(_ kind: WaitKey.Kind) -> Int {
        let seq = nextSeq[kind, default: 1]
        nextSeq[kind] = seq + 1
        return seq
    }

    /// Whether user code waits on a context API (the handler inbox is the runtime's own wait).
    var hasUserWaits: Bool { parked.keys.contains { $0.kind != .handlerInbox } }

    /// How the workflow's main function ended.
    enum Outcome: Sendable {
        case completed(Payload)
        case failed(Failure)
        case canceled
        case continuedAsNew(Command.ContinueAsNew)
        case taskFailed(WorkflowTaskError)
    }

    /// What ``WorkflowInfo`` reports of the history and the chain of runs.
    struct HistoryInfo: Sendable {
        var length = 0
        var size = 0
        var continueAsNewSuggested = false
        var continuedExecutionRunId: String?
        var firstExecutionRunId: String?
    }
}
