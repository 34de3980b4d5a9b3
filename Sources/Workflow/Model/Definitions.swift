/// A workflow: a deterministic `async` function that orchestrates activities, timers and signals.
///
/// Workflow code must reach the world only through the ``WorkflowContext``. `Task.sleep`, `Date()`,
/// actors, `Task.detached`, Dispatch and direct I/O break replay; the runtime reports them as an
/// escape instead of letting the run hang. Task groups and `async let` are fine.
///
/// ## Usage
/// ```swift
/// struct Greet: Workflow {
///     func run(context: WorkflowContext, input: String) async throws -> String {
///         try await context.execute(Hello.self, input, options: .init(startToCloseTimeout: .seconds(10)))
///     }
/// }
/// ```
public protocol Workflow: Sendable {
    /// The input type, decoded from the start request's JSON.
    associatedtype Input: Codable & Sendable
    /// The result type, stored as JSON in `WorkflowExecutionCompleted`.
    associatedtype Output: Codable & Sendable

    /// The stable type name that starts and histories refer to. Defaults to the Swift type name;
    /// override it before renaming the type.
    static var name: String { get }

    /// Creates the workflow instance for a run.
    init()

    /// The workflow's body.
    ///
    /// - Throws: an ``ApplicationFailure`` (or ``ActivityFailure``, ``CanceledFailure``) fails or
    ///   cancels the workflow. Any other error is treated as a bug: it fails the workflow task, which
    ///   is retried, and after a bounded number of attempts the run is marked `Paused`.
    func run(context: WorkflowContext, input: Input) async throws -> Output
}

extension Workflow {
    // `_typeName` is what `String(describing:)` prints for a type, without the protocol checks that
    // made the name a twentieth of a replay.
    public static var name: String { _typeName(self, qualified: false) }
}

/// An activity: a unit of I/O that the engine runs at least once, with retries and timeouts.
///
/// Inside ``run(input:)``, ``ActivityContext/current`` gives the attempt, the idempotency key,
/// the last heartbeat details and a way to heartbeat.
public protocol Activity: Sendable {
    /// The input type.
    associatedtype Input: Codable & Sendable
    /// The result type.
    associatedtype Output: Codable & Sendable

    /// The stable type name recorded in `ActivityTaskScheduled`. Defaults to the Swift type name.
    static var name: String { get }

    /// Does the work of one attempt.
    ///
    /// - Throws: an ``ApplicationFailure`` to control retries (`nonRetryable`, `nextRetryDelay`);
    ///   any other error is retried under the retry policy.
    func run(input: Input) async throws -> Output
}

extension Activity {
    public static var name: String { _typeName(self, qualified: false) }
}
