import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// The given run of a workflow, or else its open run, or else its latest (as ``runStatus(namespace:workflowId:runId:)``).
    func resolveRun(namespace: String, workflowId: String, runId: UUID?, on connection: PostgresConnection) async throws -> UUID {
        for try await (found, _) in try await connection.execute(
            ExecutionsTable.Status(runId: runId, namespace: namespace, workflowId: workflowId), logger: logger)
        {
            return found
        }
        throw Self.workflowNotFound(namespace: namespace, workflowId: workflowId, runId: runId)
    }

    static func workflowNotFound(namespace: String, workflowId: String, runId: UUID?) -> StoreError {
        StoreError(.workflowNotFound, "no workflow \"\(workflowId)\"\(runId.map { " run \($0)" } ?? "") in namespace \"\(namespace)\"")
    }

    private func requireOpen(_ run: LockedRun, to action: String) throws {
        guard run.status.isOpen else {
            throw StoreError(
                .workflowClosed, "cannot \(action) workflow \"\(run.workflowId)\": run \(run.runId) is already \(run.status.rawValue)")
        }
    }

    /// Delivers a signal: `WorkflowExecutionSignaled` and a workflow task.
    ///
    /// - Parameter requestId: makes the signal idempotent: a repeat with the same id (and workflow
    ///   id) succeeds and delivers nothing, even once the run has closed.
    /// - Throws: ``StoreError`` `WorkflowExecutionClosed` for a closed run, `WorkflowNotFound`,
    ///   `InvalidArgument` for an empty name or a bad request id.
    public func signal(
        namespace: String, workflowId: String, runId: UUID? = nil, name: String, input: Payload?, identity: String? = nil,
        requestId: String? = nil, at now: Date
    ) async throws {
        try checkSignalName(name)
        try checkRequestId(requestId)
        try await transaction { connection in
            var run = try await self.lockCurrentRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection)
            // Before the closed-run check: the repeat of a signal the run got before it closed succeeds.
            if let requestId {
                guard try await self.claimRequest(.signal, namespace: namespace, workflowId: workflowId, requestId: requestId, on: connection) == nil
                else { return }
                try await self.recordRequest(
                    .signal, namespace: namespace, workflowId: workflowId, requestId: requestId, runId: run.runId, on: connection)
            }
            try await self.deliver(.init(signalName: name, input: input, identity: identity), to: &run, at: now, on: connection)
        }
    }

    func checkSignalName(_ name: String) throws {
        guard !name.isEmpty else { throw StoreError(.invalidArgument, "a signal needs a name") }
    }

    /// Delivers a signal to a locked run: `WorkflowExecutionSignaled` and a workflow task, if the
    /// run is open and under its pending-signal limit.
    func deliver(
        _ signal: HistoryEvent.WorkflowExecutionSignaledAttributes, to run: inout LockedRun, at now: Date, on connection: PostgresConnection
    ) async throws {
        try requireOpen(run, to: "signal")
        try await checkPendingSignals(run, on: connection)
        try await append([.workflowExecutionSignaled(signal)], to: &run, at: now, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
    }

    /// Asks a run to cancel: the workflow sees Swift task cancellation and may compensate.
    /// A second request is accepted and changes nothing.
    public func requestCancel(namespace: String, workflowId: String, runId: UUID? = nil, reason: String? = nil, identity: String? = nil, at now: Date)
        async throws
    {
        try await transaction { connection in
            var run = try await self.lockCurrentRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection)
            try self.requireOpen(run, to: "cancel")
            try await self.requestCancel(&run, reason: reason, identity: identity, at: now, on: connection)
        }
    }

    /// Asks a locked open run to cancel, unless it was asked already.
    func requestCancel(_ run: inout LockedRun, reason: String?, identity: String?, at now: Date, on connection: PostgresConnection) async throws {
        guard !run.cancelRequested else { return }
        try await append([.workflowExecutionCancelRequested(.init(cause: reason, identity: identity))], to: &run, at: now, on: connection)
        try await connection.run(ExecutionsTable.RequestCancel(runId: run.runId), logger: logger)
        run.cancelRequested = true
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
    }

    /// Ends a run at once: `WorkflowExecutionTerminated`, and no workflow code runs.
    public func terminate(namespace: String, workflowId: String, runId: UUID? = nil, reason: String?, identity: String? = nil, at now: Date)
        async throws
    {
        try await transaction { connection in
            var run = try await self.lockCurrentRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection)
            try self.requireOpen(run, to: "terminate")
            try await self.terminate(&run, reason: reason, identity: identity, at: now, on: connection)
        }
    }

    func terminate(_ run: inout LockedRun, reason: String?, identity: String?, at now: Date, on connection: PostgresConnection)
        async throws
    {
        try await append([.workflowExecutionTerminated(.init(reason: reason, identity: identity))], to: &run, at: now, on: connection)
        try await close(
            &run, status: .terminated, result: nil,
            failure: Failure(message: reason ?? "terminated", type: Failure.Types.terminated), at: now, on: connection)
    }

    /// Closes a run: its status and outcome, and the deletion of every task and timer it had; its
    /// open children follow their parent close policy, and its parent hears of the close.
    func close(
        _ run: inout LockedRun, status: WorkflowStatus, result: Payload?, failure: Failure?, at now: Date,
        on connection: PostgresConnection
    ) async throws {
        try await connection.run(
            ExecutionsTable.Close(
                runId: run.runId, status: status, closeTime: now, result: try JSONColumn.encodeIfPresent(result),
                failure: try JSONColumn.encodeIfPresent(failure)), logger: logger)
        run.status = status
        // Only a run with a parent or children looks further: the flags came with its lock.
        if run.hasChildren || run.parentRunId != nil {
            try await closeFamily(of: run, result: result, failure: failure, at: now, on: connection)
        }
    }
}
