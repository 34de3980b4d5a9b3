/// Why a workflow task failed without failing the workflow: non-determinism, an escape from the
/// deterministic runtime, a decode error or another bug in the workflow code; or, outside the
/// code, a lease that expired without a result or a worker that could not run the task.
///
/// The engine retries such a task with capped backoff and, after a bounded number of attempts,
/// marks the run `Paused` with this error on it, so an operator can deploy a fix and resume it.
public struct WorkflowTaskError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, stable for scripts and metrics.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The code emitted commands that do not match the recorded history.
        public static let nonDeterminism = Code(rawValue: "NonDeterminism")
        /// The code awaited something that is not a `WorkflowContext` API.
        public static let escape = Code(rawValue: "WorkflowEscape")
        /// The code threw an error that is not an application failure, or a payload did not decode.
        public static let workflowBug = Code(rawValue: "WorkflowBug")
        /// No workflow of the recorded type is registered with this worker.
        public static let unknownWorkflowType = Code(rawValue: "UnknownWorkflowType")
        /// The history given to the run is not a valid continuation of what it has seen.
        public static let invalidHistory = Code(rawValue: "InvalidHistory")
        /// The run was evicted from the cache; its tasks are unwinding.
        public static let evicted = Code(rawValue: "Evicted")
        /// The task's lease expired without a result: its worker crashed, hung in workflow code or
        /// lost its database.
        public static let leaseExpired = Code(rawValue: "LeaseExpired")
        /// The worker failed outside the workflow code: history or a payload did not decode, or a
        /// database statement was refused.
        public static let workerFailure = Code(rawValue: "WorkerFailure")
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The event and command on each side of a non-determinism error.
    public var nonDeterminism: NonDeterminism?

    public init(code: Code, message: String, nonDeterminism: NonDeterminism? = nil) {
        self.code = code
        self.message = message
        self.nonDeterminism = nonDeterminism
    }

    public var description: String { "\(code): \(message)" }

    /// Both sides of a command↔event mismatch.
    public struct NonDeterminism: Sendable, Hashable {
        public var workflowId: String
        public var runId: String
        /// The history event the code disagreed with, or the last event for a missing one.
        public var eventId: Int64
        /// The recorded event with its attributes, or `nil` when history has no more commands.
        public var expected: String?
        /// The command the code emitted, or `nil` when it emitted none.
        public var emitted: String?
    }

    static func nonDeterminism(run: WorkflowInfo, eventId: Int64, expected: String?, emitted: String?) -> Self {
        let message = """
            workflow "\(run.workflowId)" run "\(run.runId)" is non-deterministic at history event \(eventId). \
            History has: \(expected ?? "no further command"). The code emitted: \(emitted ?? "no command"). \
            Hint: the workflow code changed in a way that alters the commands of runs already in flight. \
            Keep the old path for them with `if context.patched("my-change") { new code } else { old code }`, \
            or check the change against a saved history with the replayer before deploying.
            """
        return Self(
            code: .nonDeterminism, message: message,
            nonDeterminism: .init(
                workflowId: run.workflowId, runId: run.runId, eventId: eventId, expected: expected, emitted: emitted))
    }

    static func escape(_ what: String) -> Self {
        Self(
            code: .escape,
            message: """
                \(what). Workflow code may only await WorkflowContext APIs (execute, sleep, waitForSignal, \
                condition), task groups and async let. Task.sleep, Task {} and Task.detached, actors, \
                @MainActor, Dispatch, NIO futures and AsyncStreams fed from other threads break replay; \
                use context.sleep(for:) for delays and an activity for I/O.
                """)
    }

    static let evicted = Self(code: .evicted, message: "the run was evicted from the worker's cache")

    /// The previous attempt's lease ran out without a result.
    public static func leaseExpired(owner: String, attempt: Int) -> Self {
        Self(
            code: .leaseExpired,
            message: """
                the lease on attempt \(attempt) of the workflow task expired without a result: worker \(owner) crashed, \
                hung in workflow code (a loop that never awaits) or lost its database
                """)
    }

    /// An error from outside the workflow code, as the task's failure.
    public static func workerFailure(_ error: any Error) -> Self {
        Self(code: .workerFailure, message: "the worker could not run the workflow task: \(String(reflecting: error))")
    }
}

extension WorkflowTaskError: FailureConvertible {
    public var failure: Failure { Failure(message: message, type: "WorkflowTaskError.\(code)", nonRetryable: false) }
}
