import Foundation
import PostgresNIO
import Workflow

extension Store {
    /// Carries out a workflow task's child commands in its transaction, after their command events
    /// are written: each child starts (its row, `WorkflowExecutionStarted`, its first workflow
    /// task), each signal or cancel request reaches its child, and the parent gets Temporal's
    /// answer to each (`ChildWorkflowExecutionStarted` or `StartChildWorkflowExecutionFailed`,
    /// `ExternalWorkflowExecutionSignaled`, …) and a workflow task that delivers them.
    ///
    /// In one database the child starts with its parent's command, so the cross-shard steps
    /// Temporal takes between the two events need no transaction of their own; the events read the
    /// same.
    func applyChildCommands(_ events: [HistoryEvent], of parent: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        var answers: [HistoryEvent.Attributes] = []
        var starts: [(answer: Int, child: PreparedChild)] = []
        for event in events {
            // The answer's event id, for the child's row: the answers follow the parent's history.
            let answerEventId = parent.nextEventId + Int64(answers.count)
            switch event.attributes {
            case .startChildWorkflowExecutionInitiated(let initiated):
                let prepared = try await prepareChild(initiated, initiatedEventId: event.eventId, startedEventId: answerEventId, parent: parent, at: now, on: connection)
                if let child = prepared.child { starts.append((answers.count, child)) }
                answers.append(prepared.answer)
            case .signalExternalWorkflowExecutionInitiated(let signal):
                answers.append(try await signalChild(signal, initiatedEventId: event.eventId, parent: parent, at: now, on: connection))
            case .requestCancelExternalWorkflowExecutionInitiated(let cancel):
                answers.append(try await cancelChild(cancel, initiatedEventId: event.eventId, parent: parent, at: now, on: connection))
            default:
                break
            }
        }
        if !starts.isEmpty {
            let inserted = try await insertChildren(starts.map(\.child), parent: &parent, at: now, on: connection)
            // A child whose id an open run holds (or an earlier child of the batch took) did not start.
            for (answer, child) in starts where !inserted.contains(child.row.row.runId) { answers[answer] = child.failed }
        }
        try await append(answers, to: &parent, at: now, on: connection)
        try await scheduleWorkflowTask(for: &parent, at: now, on: connection)
    }

    /// A child to start: its row and first event, and the parent's answer if its id is taken.
    struct PreparedChild {
        var row: ExecutionsTable.InsertChildren.Child
        var started: HistoryEvent
        var failed: HistoryEvent.Attributes
    }

    /// Writes the children of one workflow task, a few statements for all of them: their rows,
    /// their `WorkflowExecutionStarted` and `WorkflowTaskScheduled`, and their workflow tasks.
    ///
    /// - Returns: the run ids of the children that started.
    private func insertChildren(_ children: [PreparedChild], parent: inout LockedRun, at now: Date, on connection: PostgresConnection)
        async throws -> Set<UUID>
    {
        var inserted: Set<UUID> = []
        let rows = ExecutionsTable.InsertChildren(parentRunId: parent.runId, children: children.map(\.row))
        for try await runId in try await connection.execute(rows, logger: logger) { inserted.insert(runId) }
        let started = children.filter { inserted.contains($0.row.row.runId) }
        guard !started.isEmpty else { return inserted }
        var events: [(runId: UUID, event: HistoryEvent)] = []
        var tasks: [WorkflowTasksTable.Insert] = []
        for child in started {
            let row = child.row.row
            events.append((row.runId, child.started))
            events.append((row.runId, HistoryEvent(eventId: 2, eventTime: now, attributes: .workflowTaskScheduled(.init(taskQueue: row.taskQueue)))))
            tasks.append(
                WorkflowTasksTable.Insert(
                    runId: row.runId, namespace: row.namespace, taskQueue: row.taskQueue, workflowType: row.workflowType, scheduledEventId: 2,
                    visibleAt: now))
        }
        try await self.insert(events, on: connection)
        for try await _ in try await connection.execute(WorkflowTasksTable.InsertAll(tasks: tasks), logger: logger) {}
        for queue in Set(started.map(\.row.row.taskQueue)) {
            try await notify(Channel.workflowTasks(namespace: parent.namespace, queue: queue), on: connection)
        }
        if !parent.hasChildren {
            try await connection.run(ExecutionsTable.MarkHasChildren(runId: parent.runId), logger: logger)
            parent.hasChildren = true
        }
        return inserted
    }

    /// Refuses child commands the API would refuse in a start or a signal, before any of the
    /// task's events is written. The worker checked them already; a command from elsewhere (an old
    /// or foreign worker) fails its workflow task here. A child's namespace is its parent's.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument`, naming the field.
    func checkChildCommands(_ commands: [Command]) throws {
        for command in commands {
            switch command {
            case .startChildWorkflow(let start):
                try limits.checkIdentifier(start.workflowId, field: "child workflowId")
                try limits.checkIdentifier(start.workflowType, field: "child workflowType")
                if let queue = start.taskQueue { try limits.checkIdentifier(queue, field: "child taskQueue") }
                try limits.checkPayload(start.input, field: "child input")
            case .signalExternalWorkflow(let signal):
                try limits.checkIdentifier(signal.signalName, field: "signal name")
                try limits.checkPayload(signal.input, field: "signal input")
            default:
                break
            }
        }
    }

    /// Starts one child, or answers why not.
    /// Prepares one child's start, or answers at once why not (its id-reuse policy refuses).
    private func prepareChild(
        _ initiated: HistoryEvent.StartChildWorkflowExecutionInitiatedAttributes, initiatedEventId: Int64, startedEventId: Int64,
        parent: LockedRun, at now: Date, on connection: PostgresConnection
    ) async throws -> (answer: HistoryEvent.Attributes, child: PreparedChild?) {
        let timeout = try initiated.workflowExecutionTimeout.map {
            try limits.checkDuration(seconds: $0, field: "child workflowExecutionTimeout")
        }
        let failed = HistoryEvent.Attributes.startChildWorkflowExecutionFailed(
            .init(
                namespace: parent.namespace, workflowId: initiated.workflowId, workflowType: initiated.workflowType,
                cause: ChildWorkflowFailure.Causes.alreadyStarted, initiatedEventId: initiatedEventId,
                workflowTaskCompletedEventId: initiated.workflowTaskCompletedEventId))
        let reusePolicy = WorkflowIdReusePolicy(rawValue: initiated.workflowIdReusePolicy) ?? .allowDuplicate
        if reusePolicy != .allowDuplicate {
            let latest = ExecutionsTable.LatestStatus(namespace: parent.namespace, workflowId: initiated.workflowId)
            for try await status in try await connection.execute(latest, logger: logger)
            where reusePolicy == .rejectDuplicate || status == WorkflowStatus.completed.rawValue {
                return (failed, nil)
            }
        }
        let request = StartWorkflowRequest(
            namespace: parent.namespace, workflowId: initiated.workflowId, workflowType: initiated.workflowType, taskQueue: initiated.taskQueue,
            input: initiated.input, idReusePolicy: reusePolicy, executionTimeout: timeout)
        let new = try NewRun(request, at: now)
        // `WorkflowExecutionStarted`, naming the parent as Temporal's does.
        var first = new.events[0]
        if case .workflowExecutionStarted(var started) = first.attributes {
            started.parentWorkflowNamespace = parent.namespace
            started.parentWorkflowId = parent.workflowId
            started.parentRunId = parent.runId.uuidString.lowercased()
            started.parentInitiatedEventId = initiatedEventId
            first.attributes = .workflowExecutionStarted(started)
        }
        let row = ExecutionsTable.InsertChildren.Child(
            row: new.row, initiatedEventId: initiatedEventId, startedEventId: startedEventId,
            parentClosePolicy: ParentClosePolicy(rawValue: initiated.parentClosePolicy) ?? .terminate)
        let answer = HistoryEvent.Attributes.childWorkflowExecutionStarted(
            .init(
                namespace: parent.namespace, initiatedEventId: initiatedEventId, workflowId: initiated.workflowId,
                runId: new.runId.uuidString.lowercased(), workflowType: initiated.workflowType))
        return (answer, PreparedChild(row: row, started: first, failed: failed))
    }

    /// Locks an open child of `parent`, or nil when it is closed or no child of it.
    private func lockOpenChild(of parent: LockedRun, workflowId: String, runId: String?, on connection: PostgresConnection) async throws
        -> LockedRun?
    {
        guard let runId = runId.flatMap(UUID.init(uuidString:)) else { return nil }
        for try await child in try await connection.execute(
            ExecutionsTable.LockChild(parentRunId: parent.runId, workflowId: workflowId, runId: runId), logger: logger)
        where child.status.isOpen {
            return child
        }
        return nil
    }

    private func signalChild(
        _ signal: HistoryEvent.SignalExternalWorkflowExecutionInitiatedAttributes, initiatedEventId: Int64, parent: LockedRun, at now: Date,
        on connection: PostgresConnection
    ) async throws -> HistoryEvent.Attributes {
        guard var child = try await lockOpenChild(of: parent, workflowId: signal.workflowId, runId: signal.runId, on: connection) else {
            return .signalExternalWorkflowExecutionFailed(
                .init(
                    namespace: parent.namespace, workflowId: signal.workflowId, runId: signal.runId, cause: ChildWorkflowFailure.Causes.notFound,
                    initiatedEventId: initiatedEventId, workflowTaskCompletedEventId: signal.workflowTaskCompletedEventId))
        }
        try await append(
            [.workflowExecutionSignaled(.init(signalName: signal.signalName, input: signal.input, identity: "parent \(parent.workflowId)"))],
            to: &child, at: now, on: connection)
        try await scheduleWorkflowTask(for: &child, at: now, on: connection)
        return .externalWorkflowExecutionSignaled(
            .init(namespace: parent.namespace, workflowId: signal.workflowId, runId: signal.runId, initiatedEventId: initiatedEventId))
    }

    private func cancelChild(
        _ cancel: HistoryEvent.RequestCancelExternalWorkflowExecutionInitiatedAttributes, initiatedEventId: Int64, parent: LockedRun, at now: Date,
        on connection: PostgresConnection
    ) async throws -> HistoryEvent.Attributes {
        guard var child = try await lockOpenChild(of: parent, workflowId: cancel.workflowId, runId: cancel.runId, on: connection) else {
            return .requestCancelExternalWorkflowExecutionFailed(
                .init(
                    namespace: parent.namespace, workflowId: cancel.workflowId, runId: cancel.runId, cause: ChildWorkflowFailure.Causes.notFound,
                    initiatedEventId: initiatedEventId, workflowTaskCompletedEventId: cancel.workflowTaskCompletedEventId))
        }
        try await requestCancel(&child, reason: cancel.reason ?? "canceled by parent workflow \"\(parent.workflowId)\"", identity: nil, at: now, on: connection)
        return .externalWorkflowExecutionCancelRequested(
            .init(namespace: parent.namespace, workflowId: cancel.workflowId, runId: cancel.runId, initiatedEventId: initiatedEventId))
    }
}
