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
    /// Lock order: the children are locked `NOWAIT` while this run is held, and the parent only if
    /// free (`SKIP LOCKED`), so a closing run never waits for a relative.
    func closeFamily(of run: LockedRun, result: Payload?, failure: Failure?, at now: Date, on connection: PostgresConnection) async throws {
        if run.hasChildren {
            // Held child closes that no task will deliver now: the parent closed before them.
            try await dropHeldEvents(of: run.runId, on: connection)
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

    /// Gives the parent the event of its child's close. Its row is taken only if free: while another
    /// child's close (or the parent's own task) holds it, the event is held and the lease reaper,
    /// woken at commit, delivers it. So a fan-in of a thousand children does not queue its closes
    /// on one row, commit after commit, and a burst of them reaches the parent in a few appends.
    private func reportClose(of child: LockedRun, to parentRunId: UUID, result: Payload?, failure: Failure?, at now: Date, on connection: PostgresConnection)
        async throws
    {
        var eventIds: (initiated: Int64, started: Int64)?
        for try await ids in try await connection.execute(ExecutionsTable.ParentEventIds(runId: child.runId), logger: logger) { eventIds = ids }
        guard let eventIds,
            let event = Self.childClosedEvent(child, initiatedEventId: eventIds.initiated, startedEventId: eventIds.started, result: result, failure: failure)
        else { return }
        var parent: LockedRun?
        for try await columns in try await connection.execute(ExecutionsTable.LockParentIfFree(runId: parentRunId), logger: logger) {
            parent = LockedRun(runId: parentRunId, columns)
        }
        guard var parent else {
            // Busy, or gone (retention deleted it after it closed, with the child abandoned): then nothing is held.
            try await hold(event, for: parentRunId, at: now, on: connection)
            try await notify(Channel.heldEvents, on: connection)
            return
        }
        guard parent.status.isOpen else { return }
        try await deliver([event], to: &parent, at: now, on: connection)
    }

    /// Appends the events held for a locked parent, then `events`, and schedules a workflow task;
    /// or, while the parent's workflow task runs, holds `events` too, since appended now they
    /// would make that task stale (its end appends them, ``appendBufferedEvents(of:at:on:)``).
    private func deliver(_ events: [HistoryEvent.Attributes], to parent: inout LockedRun, at now: Date, on connection: PostgresConnection)
        async throws
    {
        var leased = false
        for try await isLeased in try await connection.execute(WorkflowTasksTable.IsLeased(runId: parent.runId), logger: logger) { leased = isLeased }
        if leased {
            for event in events { try await hold(event, for: parent.runId, at: now, on: connection) }
            return
        }
        try await appendHeldEvents(of: &parent, then: events, at: now, on: connection)
    }

    /// Deletes the events held for a closed run: no task will deliver them now.
    private func dropHeldEvents(of runId: UUID, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.execute(BufferedEventsTable.Take(runId: runId), logger: logger) {}
    }

    private func hold(_ event: HistoryEvent.Attributes, for runId: UUID, at now: Date, on connection: PostgresConnection) async throws {
        let text = try JSONColumn.encode(HistoryEvent(eventId: 0, eventTime: now, attributes: event))
        try await connection.run(BufferedEventsTable.Insert(runId: runId, event: text), logger: logger)
    }

    /// Delivers the events held for runs that no workflow task of theirs will take (a child's close
    /// found its parent's row busy), each run in its own transaction; drops those held for a run
    /// that has closed. Run by the lease reaper, which `Channel.heldEvents` wakes.
    ///
    /// - Returns: how many runs it looked at; `limit` means there may be more.
    @discardableResult
    public func deliverHeldEvents(at now: Date, limit: Int = 100) async throws -> Int {
        var runIds: [UUID] = []
        for try await runId in try await pool.execute(BufferedEventsTable.Stranded(limit: Int64(limit)), logger: logger) { runIds.append(runId) }
        for runId in runIds {
            try await transaction { connection in
                var run: LockedRun?
                for try await columns in try await connection.execute(ExecutionsTable.Lock(runId: runId), logger: self.logger) {
                    run = LockedRun(runId: runId, columns)
                }
                guard var run else { return }
                guard run.status.isOpen else {
                    try await self.dropHeldEvents(of: runId, on: connection)
                    return
                }
                try await self.deliver([], to: &run, at: now, on: connection)
            }
        }
        return runIds.count
    }

    /// Appends the events held for a run while its workflow task ran, and schedules a task to
    /// deliver them; called where a task's lease ends (completion, failure, release). Only a run
    /// that has started children can hold any.
    func appendBufferedEvents(of run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        guard run.hasChildren, run.status.isOpen else { return }
        try await appendHeldEvents(of: &run, then: [], at: now, on: connection)
    }

    /// Appends the events held for a locked open run, in the order they were held, then `events`,
    /// and schedules a workflow task to deliver them.
    private func appendHeldEvents(of run: inout LockedRun, then events: [HistoryEvent.Attributes], at now: Date, on connection: PostgresConnection)
        async throws
    {
        var attributes: [HistoryEvent.Attributes] = []
        for try await text in try await connection.execute(BufferedEventsTable.Take(runId: run.runId), logger: logger) {
            if let event = try JSONColumn.decode(HistoryEvent.self, from: text) { attributes.append(event.attributes) }
        }
        attributes += events
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
