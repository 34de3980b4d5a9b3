import Foundation
import PostgresNIO
import Workflow

/// What to do when an open run with the same workflow id exists (Temporal's id-conflict policy).
public enum WorkflowIdConflictPolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse the start. The default.
    case fail = "Fail"
    /// Return the open run: an idempotent start.
    case useExisting = "UseExisting"
    /// Terminate the open run and start a new one.
    case terminateExisting = "TerminateExisting"
}

/// A request to start a workflow run.
public struct StartWorkflowRequest: Sendable {
    public var namespace: String
    public var workflowId: String
    public var workflowType: String
    public var taskQueue: String
    public var input: Payload?
    public var idReusePolicy: WorkflowIdReusePolicy
    public var idConflictPolicy: WorkflowIdConflictPolicy
    public var executionTimeout: Duration?
    public var searchAttributes: Payload?
    public var memo: Payload?
    /// Makes the start idempotent: a repeat with the same id (and workflow id) answers the run the
    /// first resolved to, whatever the policies and even once that run has closed.
    public var requestId: String?
    /// The propagation fields of the span that starts the run (with OpenTelemetry, W3C
    /// `traceparent` and `tracestate`), as a JSON object: kept with the run so that its workflow
    /// tasks and activities join that trace on any worker; nil when there is none. Opaque here.
    public var traceContext: String?

    public init(
        namespace: String = "default", workflowId: String, workflowType: String, taskQueue: String, input: Payload? = nil,
        idReusePolicy: WorkflowIdReusePolicy = .allowDuplicate, idConflictPolicy: WorkflowIdConflictPolicy = .fail,
        executionTimeout: Duration? = nil, searchAttributes: Payload? = nil, memo: Payload? = nil, requestId: String? = nil
    ) {
        self.namespace = namespace
        self.workflowId = workflowId
        self.workflowType = workflowType
        self.taskQueue = taskQueue
        self.input = input
        self.idReusePolicy = idReusePolicy
        self.idConflictPolicy = idConflictPolicy
        self.executionTimeout = executionTimeout
        self.searchAttributes = searchAttributes
        self.memo = memo
        self.requestId = requestId
    }
}

extension StartWorkflowRequest {
    /// Whether the start is written by the batched one-statement path, which alone can carry an
    /// eager first workflow task: under the common policies (any earlier run allowed, an open run
    /// not terminated) and without a request id. The others take a transaction that looks further.
    package var takesOneStatement: Bool {
        requestId == nil && idReusePolicy == .allowDuplicate && idConflictPolicy != .terminateExisting
    }
}

/// The run a start request resolved to.
public struct StartWorkflowResult: Sendable, Equatable {
    public var runId: UUID
    /// `false` when an open run was returned under ``WorkflowIdConflictPolicy/useExisting``, or the
    /// run of an earlier request with the same ``StartWorkflowRequest/requestId``.
    public var started: Bool

    public init(runId: UUID, started: Bool) {
        self.runId = runId
        self.started = started
    }
}

/// Starts runs: the store itself, or a worker in the same process that runs their first workflow
/// task at once (``DecidedFirstTask``). The HTTP API starts through one.
public protocol WorkflowStarter: Sendable {
    /// Starts a run, idempotent by workflow id under the request's policies.
    func startWorkflow(_ request: StartWorkflowRequest, at now: Date) async throws -> StartWorkflowResult
}
