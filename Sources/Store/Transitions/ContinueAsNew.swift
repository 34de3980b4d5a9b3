import Foundation
import PostgresNIO
import Workflow

/// A continue-as-new being recorded: the command, the new run's id, and the old run's first
/// event, which holds what the chain carries over.
struct ContinuingRun: Sendable {
    var command: Command.ContinueAsNew
    var newRunId: UUID
    var oldStarted: HistoryEvent.WorkflowExecutionStartedAttributes

    /// What the `WorkflowExecutionContinuedAsNew` event records besides the command.
    var continuation: HistoryBuilder.Continuation {
        .init(newExecutionRunId: newRunId.uuidString.lowercased(), workflowExecutionTimeout: oldStarted.workflowExecutionTimeout)
    }
}

extension Store {
    /// The continue-as-new among a workflow task's commands, with a new run id and the old run's
    /// first event (one read, made only when the task continues as new); nil for other tasks.
    func continuingRun(of commands: [Command], run: LockedRun, on connection: PostgresConnection) async throws -> ContinuingRun? {
        guard let command = commands.lazy.compactMap({ if case .continueAsNew(let command) = $0 { command } else { nil } }).first else {
            return nil
        }
        for try await columns in try await connection.execute(HistoryTable.Read(runId: run.runId, afterEventId: 0, limit: 1), logger: logger) {
            guard case .workflowExecutionStarted(let started) = try HistoryTable.event(columns).attributes else { break }
            return ContinuingRun(command: command, newRunId: UUID(), oldStarted: started)
        }
        throw StoreError(.invalidArgument, "run \(run.runId) has no WorkflowExecutionStarted to continue from")
    }

    /// Closes a run `ContinuedAsNew` and starts its successor in the same transaction: the new
    /// run's row (linked both ways), its `WorkflowExecutionStarted`, the signals the old run had
    /// buffered unseen by its code, and its first workflow task. A signal or cancel request
    /// that waits on the old run's lock meanwhile finds it closed `ContinuedAsNew` and goes to
    /// the new run (``lockCurrentRun(namespace:workflowId:runId:on:)``).
    func continueAsNew(_ run: inout LockedRun, _ continuing: ContinuingRun, at now: Date, on connection: PostgresConnection) async throws {
        let command = continuing.command
        try await close(&run, status: .continuedAsNew, result: nil, failure: nil, at: now, on: connection)
        try await connection.run(
            ExecutionsTable.InsertContinued(
                oldRunId: run.runId, newRunId: continuing.newRunId, workflowType: command.workflowType, taskQueue: command.taskQueue,
                input: try JSONColumn.encodeIfPresent(command.input), startTime: now), logger: logger)
        let oldRunId = run.runId.uuidString.lowercased()
        let old = continuing.oldStarted
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: run.workflowId, workflowType: command.workflowType, taskQueue: command.taskQueue, input: command.input,
            workflowExecutionTimeout: old.workflowExecutionTimeout, originalExecutionRunId: continuing.newRunId.uuidString.lowercased(),
            searchAttributes: old.searchAttributes, memo: old.memo, continuedExecutionRunId: oldRunId,
            firstExecutionRunId: old.firstExecutionRunId ?? oldRunId, parentWorkflowNamespace: old.parentWorkflowNamespace,
            parentWorkflowId: old.parentWorkflowId, parentRunId: old.parentRunId, parentInitiatedEventId: old.parentInitiatedEventId)
        let signals = command.carriedSignals.map { signal in
            HistoryEvent.Attributes.workflowExecutionSignaled(
                .init(signalName: signal.name, input: signal.input, identity: "carried over from run \(oldRunId)"))
        }
        var new = LockedRun(
            runId: continuing.newRunId, namespace: run.namespace, workflowId: run.workflowId, workflowType: command.workflowType,
            taskQueue: command.taskQueue, status: .running, nextEventId: 1, cancelRequested: false, parentRunId: run.parentRunId)
        try await append([.workflowExecutionStarted(started)] + signals, to: &new, at: now, on: connection)
        try await scheduleWorkflowTask(for: &new, at: now, on: connection)
    }

    /// Locks the run a request names: the given run, or else the workflow id's current run. A
    /// request without a run id that waited on a run's lock while it continued as new follows
    /// the chain to the new run, so that no signal or cancel request lands on a closed link.
    func lockCurrentRun(namespace: String, workflowId: String, runId: UUID?, on connection: PostgresConnection) async throws -> LockedRun {
        var run = try await lockRun(try await resolveRun(namespace: namespace, workflowId: workflowId, runId: runId, on: connection), on: connection)
        // Each pass follows one continue-as-new committed while this request waited.
        var passes = 0
        while runId == nil, run.status == .continuedAsNew, passes < 100 {
            passes += 1
            run = try await lockRun(try await resolveRun(namespace: namespace, workflowId: workflowId, runId: nil, on: connection), on: connection)
        }
        return run
    }
}
