import Foundation
import PostgresNIO
import Workflow

/// A signal to deliver with ``Store/signalWithStart(_:signal:at:)``.
public struct SignalRequest: Sendable, Equatable {
    /// The signal's name.
    public var name: String
    /// The signal's payload.
    public var input: Payload?
    /// Who sent it, for history.
    public var identity: String?

    public init(name: String, input: Payload? = nil, identity: String? = nil) {
        self.name = name
        self.input = input
        self.identity = identity
    }

    var attributes: HistoryEvent.WorkflowExecutionSignaledAttributes { .init(signalName: name, input: input, identity: identity) }
}

extension Store {
    /// Signal-with-start, as in Temporal: signals the workflow's open run, or else starts a run
    /// whose first event after `WorkflowExecutionStarted` is the signal. One transaction; callers
    /// that race on the same workflow id get one run between them and every signal once.
    ///
    /// The request's id-conflict policy is not used (an open run is always signalled); its id-reuse
    /// policy decides whether a closed run's id may start again. Its request id makes the whole call
    /// idempotent: a repeat answers the run the first resolved to and delivers nothing.
    ///
    /// - Returns: the run signalled, and whether it was started by this call.
    /// - Throws: ``StoreError`` as ``startWorkflow(_:at:)`` (`WorkflowExecutionAlreadyStarted` when the
    ///   id-reuse policy refuses a new run), and `InvalidArgument` for an empty signal name.
    public func signalWithStart(_ request: StartWorkflowRequest, signal: SignalRequest, at now: Date) async throws -> StartWorkflowResult {
        try checkSignalWithStart(request, signal: signal)
        return try await retryingStartRace {
            try await self.transaction { connection in try await self.signalWithStart(request, signal: signal, at: now, on: connection) }
        }
    }

    /// Refuses a signal-with-start that could never be written.
    func checkSignalWithStart(_ request: StartWorkflowRequest, signal: SignalRequest) throws {
        try checkStart(request)
        try checkSignalName(signal.name)
    }

    /// Signal-with-start on a transaction's connection.
    func signalWithStart(_ request: StartWorkflowRequest, signal: SignalRequest, at now: Date, on connection: PostgresConnection) async throws
        -> StartWorkflowResult
    {
        if let requestId = request.requestId,
            let runId = try await claimRequest(
                .signal, namespace: request.namespace, workflowId: request.workflowId, requestId: requestId, on: connection)
        {
            return StartWorkflowResult(runId: runId, started: false)
        }
        var start = request
        start.idConflictPolicy = .useExisting
        start.requestId = nil
        let result = try await startOrUseExisting(start, signal: signal.attributes, at: now, on: connection)
        if !result.started {
            var run = try await lockRun(result.runId, on: connection)
            try await deliver(signal.attributes, to: &run, at: now, on: connection)
        }
        if let requestId = request.requestId {
            try await recordRequest(
                .signal, namespace: request.namespace, workflowId: request.workflowId, requestId: requestId, runId: result.runId, on: connection)
        }
        return result
    }

    /// Runs a transaction that may start a run, again when a concurrent start of the same workflow
    /// id won the race (a unique violation on the open-run index): the next attempt sees that run.
    func retryingStartRace<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await body()
            } catch let error as PSQLError where error.sqlState == "23505" && attempt < 5 {
                continue
            }
        }
    }
}
