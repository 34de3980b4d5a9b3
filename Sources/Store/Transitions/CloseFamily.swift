import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// What a run's close does to its family, in the closing transaction: its open children follow
    /// their parent close policy, then its parent (if open) gets the matching
    /// `ChildWorkflowExecution…` event and a workflow task (held in `buffered_events` while the
    /// parent's workflow task runs). Called only for a run whose locked row
    /// says it has a parent or has started children.
    ///
    /// Lock order: the children are locked `NOWAIT` while this run is held, and the parent is
    /// waited for after, so a transaction only ever waits for a parent while holding its child.
    func closeFamily(of run: LockedRun, result: Payload?, failure: Failure?, at now: Date, on connection: PostgresConnection) async throws {
        if run.hasChildren {
            // Held child closes that no task will deliver now: the parent closed before them.
            for try await _ in try await connection.execute(BufferedEventsTable.Take(runId: run.runId), logger: logger) {}
            try await applyParentClosePolicy(of: run, at: now, on: connection)
        }
        // A child that continues as new stays the parent's child: its chain's last run reports.
        if let parentRunId = run.parentRunId, run.status != .continuedAsNew {
            try await reportClose(of: run, to: parentRunId, result: result, failure: failure, at: now, on: connection)
        }
    }

    private func applyParentClosePolicy(of parent: LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        var children: [(run: LockedRun, policy: ParentClosePolicy)] = []
        for try await child in try await connection.execute(ExecutionsTable.LockOpenChildren(parentRunId: parent.runId), logger: logger) {
            children.append(child)
        }
        let reason = "parent workflow \"\(parent.workflowId)\" closed \(parent.status.rawValue)"
        for (child, policy) in children {
            var child = child
            switch policy {
            case .terminate:
                try await terminate(&child, reason: "\(reason) (ParentClosePolicy Terminate)", identity: nil, at: now, on: connection)
            case .requestCancel:
                try await requestCancel(&child, reason: "\(reason) (ParentClosePolicy RequestCancel)", identity: nil, at: now, on: connection)
            case .abandon:
                break
            }
        }
    }

    private func reportClose(of child: LockedRun, to parentRunId: UUID, result: Payload?, failure: Failure?, at now: Date, on connection: PostgresConnection)
        async throws
    {
        var eventIds: (initiated: Int64, started: Int64)?
        for try await ids in try await connection.execute(ExecutionsTable.ParentEventIds(runId: child.runId), logger: logger) { eventIds = ids }
        // The parent may be gone (retention deleted it after it closed, with the child abandoned).
        var parent: LockedRun?
        for try await columns in try await connection.execute(ExecutionsTable.Lock(runId: parentRunId), logger: logger) {
            parent = LockedRun(runId: parentRunId, columns)
        }
        guard var parent, parent.status.isOpen, let eventIds,
            let event = Self.childClosedEvent(child, initiatedEventId: eventIds.initiated, startedEventId: eventIds.started, result: result, failure: failure)
        else { return }
        var leased = false
        for try await isLeased in try await connection.execute(WorkflowTasksTable.IsLeased(runId: parentRunId), logger: logger) { leased = isLeased }
        if leased {
            // Appended now, it would make the parent's running task stale; its end appends it.
            let held = try JSONColumn.encode(HistoryEvent(eventId: 0, eventTime: now, attributes: event))
            try await connection.run(BufferedEventsTable.Insert(runId: parentRunId, event: held), logger: logger)
            return
        }
        try await append([event], to: &parent, at: now, on: connection)
        try await scheduleWorkflowTask(for: &parent, at: now, on: connection)
    }

    /// Appends the events held for a run while its workflow task ran, and schedules a task to
    /// deliver them; called where a task's lease ends (completion, failure, release). Only a run
    /// that has started children can hold any.
    func appendBufferedEvents(of run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        guard run.hasChildren, run.status.isOpen else { return }
        var attributes: [HistoryEvent.Attributes] = []
        for try await text in try await connection.execute(BufferedEventsTable.Take(runId: run.runId), logger: logger) {
            if let event = try JSONColumn.decode(HistoryEvent.self, from: text) { attributes.append(event.attributes) }
        }
        guard !attributes.isEmpty else { return }
        try await append(attributes, to: &run, at: now, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
    }

    /// The parent's event for a child's close, by the child's status.
    static func childClosedEvent(_ child: LockedRun, initiatedEventId: Int64, startedEventId: Int64, result: Payload?, failure: Failure?)
        -> HistoryEvent.Attributes?
    {
        let (namespace, workflowId, runId, type) = (child.namespace, child.workflowId, child.runId.uuidString.lowercased(), child.workflowType)
        switch child.status {
        case .completed:
            return .childWorkflowExecutionCompleted(
                .init(
                    namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiatedEventId,
                    startedEventId: startedEventId, result: result))
        case .failed:
            return .childWorkflowExecutionFailed(
                .init(
                    namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiatedEventId,
                    startedEventId: startedEventId, failure: failure ?? Failure(message: "failed", type: "Error")))
        case .canceled:
            return .childWorkflowExecutionCanceled(
                .init(
                    namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiatedEventId,
                    startedEventId: startedEventId, details: result))
        case .timedOut:
            return .childWorkflowExecutionTimedOut(
                .init(
                    namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiatedEventId,
                    startedEventId: startedEventId))
        case .terminated:
            return .childWorkflowExecutionTerminated(
                .init(
                    namespace: namespace, workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiatedEventId,
                    startedEventId: startedEventId))
        default:
            return nil  // Not a close (Running, Paused).
        }
    }
}
