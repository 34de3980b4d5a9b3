/// How a workflow starts a child run (``WorkflowContext/executeChild(_:_:options:)``,
/// ``WorkflowContext/startChild(_:_:options:)``).
///
/// ## Usage
/// ```swift
/// let receipt = try await context.executeChild(
///     SubscriptionDunning.self, input, options: .init(workflowId: "dunning-\(input.customerId)"))
/// ```
public struct ChildWorkflowOptions: Sendable, Hashable {
    /// The child's workflow id; `nil` for `{parent workflow id}-{n}`, where `n` counts the
    /// children this run started (1, 2, …), the same on every replay.
    public var workflowId: String?
    /// The queue the child's workflow tasks go to; `nil` for the parent's.
    public var taskQueue: String?
    /// How long the child may run before it is closed `TimedOut`; `nil` for no limit.
    public var executionTimeout: Duration?
    /// Whether the child may reuse the workflow id of a closed run. An open run with the id always
    /// makes the start fail with a ``ChildWorkflowFailure``.
    public var idReusePolicy: WorkflowIdReusePolicy
    /// What happens to the child if the parent closes first.
    public var parentClosePolicy: ParentClosePolicy

    public init(
        workflowId: String? = nil, taskQueue: String? = nil, executionTimeout: Duration? = nil,
        idReusePolicy: WorkflowIdReusePolicy = .allowDuplicate, parentClosePolicy: ParentClosePolicy = .terminate
    ) {
        self.workflowId = workflowId
        self.taskQueue = taskQueue
        self.executionTimeout = executionTimeout
        self.idReusePolicy = idReusePolicy
        self.parentClosePolicy = parentClosePolicy
    }

    /// The longest workflow id or task queue a child may name, in UTF-8 bytes: the server's
    /// default identifier limit (`Limits.maxIdentifierBytes`), so a child can be started whenever
    /// a client could start it.
    public static let maxIdentifierBytes = 1000

    /// Refuses what a start through the API would refuse: an empty or too long workflow id or task
    /// queue, one with control characters, and an execution timeout that is not positive or is
    /// longer than ``Duration/maximumAccepted``.
    ///
    /// - Throws: ``InvalidArgumentFailure`` naming the option.
    public func validate() throws {
        if let workflowId { try Self.checkIdentifier(workflowId, field: "ChildWorkflowOptions.workflowId") }
        if let taskQueue { try Self.checkIdentifier(taskQueue, field: "ChildWorkflowOptions.taskQueue") }
        if let executionTimeout {
            let checked = try executionTimeout.checked("ChildWorkflowOptions.executionTimeout")
            guard checked > .zero else {
                throw InvalidArgumentFailure(
                    field: "ChildWorkflowOptions.executionTimeout", message: "ChildWorkflowOptions.executionTimeout must be positive, got 0 s")
            }
        }
    }

    /// Checks one identifier as the server does: not empty, not too long, no control characters.
    static func checkIdentifier(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw InvalidArgumentFailure(field: field, message: "\(field) must not be empty") }
        guard value.utf8.count <= maxIdentifierBytes else {
            throw InvalidArgumentFailure(
                field: field, message: "\(field) is \(value.utf8.count) bytes long; the limit is \(maxIdentifierBytes)")
        }
        if let bad = value.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            throw InvalidArgumentFailure(
                field: field, message: "\(field) contains the control character U+\(String(bad.value, radix: 16, uppercase: true)); identifiers are printable text")
        }
    }
}
