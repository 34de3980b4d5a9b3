import Foundation
import PostgresNIO
import Workflow

/// Where the Store enforces ``Limits`` on what a run grows: every recorded workflow task passes
/// ``limitedCommands(_:startedEventId:run:on:)``, and every signal ``checkPendingSignals(_:on:)``.
extension Store {
    /// The commands to record for a workflow task: its own, or, when they would pass a limit
    /// (history length or size, pending activities, the result's size), one that fails the run
    /// with the reason, as Temporal terminates such a run. Counting pending activities (queued,
    /// running or dead-lettered, as `describe` lists them) costs a query, made only when the task
    /// schedules any; counting open children, one made only when it starts a child and has others.
    func limitedCommands(_ commands: [Command], startedEventId: Int64, run: LockedRun, on connection: PostgresConnection) async throws
        -> [Command]
    {
        var pending = 0
        if commands.contains(where: { if case .scheduleActivity = $0 { true } else { false } }) {
            for try await count in try await connection.execute(ActivityTasksTable.PendingCount(runId: run.runId), logger: logger) {
                pending = count
            }
        }
        let starts = commands.count { if case .startChildWorkflow = $0 { true } else { false } }
        var pendingChildren = 0
        if starts > 0, run.hasChildren {
            for try await count in try await connection.execute(ExecutionsTable.OpenChildrenCount(parentRunId: run.runId), logger: logger) {
                pendingChildren = count
            }
        }
        // WorkflowTaskCompleted, then one event per command; each child start is answered by one
        // more event, and a workflow task (`Store/applyChildCommands`).
        let lastEventId = startedEventId + 1 + Int64(commands.count) + (starts > 0 ? Int64(starts) + 1 : 0)
        guard
            let failure = limits.workflowTaskFailure(
                commands: commands, lastEventId: lastEventId, historyBytes: run.historyBytes, pendingActivities: pending,
                pendingChildren: pendingChildren)
        else { return commands }
        logger.warning(
            "A workflow task passes a limit; the run fails",
            metadata: [
                "workflow.namespace": "\(run.namespace)", "workflow.id": "\(run.workflowId)", "workflow.run.id": "\(run.runId)",
                "error.type": "\(failure.type)", "error.message": "\(failure.message)",
            ])
        return [.failWorkflow(failure: failure)]
    }

    /// Refuses a signal to a run that has ``Limits/maxPendingSignals`` signals no workflow task has
    /// seen yet (those after its last `WorkflowTaskStarted`).
    ///
    /// - Throws: ``StoreError`` `TooManyPendingSignals`.
    func checkPendingSignals(_ run: LockedRun, on connection: PostgresConnection) async throws {
        var pending = 0
        for try await count in try await connection.execute(HistoryTable.UnseenSignals(runId: run.runId), logger: logger) { pending = count }
        guard pending < limits.maxPendingSignals else {
            throw StoreError(
                .tooManyPendingSignals,
                "workflow \"\(run.workflowId)\" has \(pending) signals no workflow task has seen yet; the limit is \(limits.maxPendingSignals) (Limits.maxPendingSignals): retry once its worker catches up")
        }
    }
}
