import Foundation
import PostgresNIO
import Workflow

/// What to do when a closed run with the same workflow id exists (Temporal's id-reuse policy).
public enum WorkflowIdReusePolicy: String, Sendable, Codable, CaseIterable {
    /// Start a new run whatever the earlier one ended with. The default.
    case allowDuplicate = "AllowDuplicate"
    /// Start a new run only if the earlier one did not complete successfully.
    case allowDuplicateFailedOnly = "AllowDuplicateFailedOnly"
    /// Never reuse the id.
    case rejectDuplicate = "RejectDuplicate"
}

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

/// A run's first workflow task, run by a worker in the starting process before the start is
/// written, and written with it ("eager start", as in Temporal): the start then needs no task row,
/// no NOTIFY, no poll and no second commit, and its first activity runs at once.
public struct FirstWorkflowTask: Sendable {
    /// The starting worker's identity, recorded in the task's events.
    public var identity: String
    /// Lets the worker take the activity the task schedules.
    public var eager: EagerActivities?
    /// Runs the workflow code on the new run's first events (`WorkflowExecutionStarted`,
    /// `WorkflowTaskScheduled`, `WorkflowTaskStarted`) and returns its commands. When it throws,
    /// or the commands need more than one statement writes, the start is written alone and a
    /// worker polls the task as usual.
    public var activate: @Sendable (_ runId: UUID, _ events: [HistoryEvent]) throws -> [Command]

    public init(
        identity: String, eager: EagerActivities?, activate: @escaping @Sendable (_ runId: UUID, _ events: [HistoryEvent]) throws -> [Command]
    ) {
        self.identity = identity
        self.eager = eager
        self.activate = activate
    }
}

/// Starts runs: the store itself, or a worker in the same process that runs their first workflow
/// task at once (``FirstWorkflowTask``). The HTTP API starts through one.
public protocol WorkflowStarter: Sendable {
    /// Starts a run, idempotent by workflow id under the request's policies.
    func startWorkflow(_ request: StartWorkflowRequest, at now: Date) async throws -> StartWorkflowResult
}

extension Store: WorkflowStarter {
    /// Starts a run: `WorkflowExecutionStarted`, `WorkflowTaskScheduled` and the first workflow task,
    /// in one transaction, idempotent by workflow id under the request's policies.
    ///
    /// - Throws: ``StoreError`` `WorkflowExecutionAlreadyStarted` when the policies refuse the start,
    ///   `NamespaceNotFound` for an unknown namespace, `InvalidArgument` for an empty id or type or a bad request id.
    public func startWorkflow(_ request: StartWorkflowRequest, at now: Date) async throws -> StartWorkflowResult {
        try await startWorkflow(request, at: now, firstTask: nil).result
    }

    /// Starts a run, and with `firstTask` runs its first workflow task in the same statement when
    /// the request's policies and the task's commands allow it (an eager start).
    ///
    /// - Returns: the run, and the first task's completion when it was written with the start;
    ///   nil when the run was started alone, or an open run was returned.
    /// - Throws: as ``startWorkflow(_:at:)``.
    public func startWorkflow(_ request: StartWorkflowRequest, at now: Date, firstTask: FirstWorkflowTask?) async throws
        -> (result: StartWorkflowResult, firstTask: WorkflowTaskCompletion?)
    {
        guard !request.workflowId.isEmpty, !request.workflowType.isEmpty, !request.taskQueue.isEmpty else {
            throw StoreError(.invalidArgument, "workflowId, type and taskQueue must not be empty")
        }
        try checkRequestId(request.requestId)
        var attempt = 0
        var firstTask = firstTask
        while true {
            attempt += 1
            do {
                // The common policies take one statement; the others, and a start with a request id,
                // a transaction that looks further.
                if request.requestId == nil, request.idReusePolicy == .allowDuplicate, request.idConflictPolicy != .terminateExisting {
                    return try await startInOneStatement(request, at: now, firstTask: firstTask)
                }
                return (try await transaction { connection in try await self.start(request, at: now, on: connection) }, nil)
            } catch let error as PSQLError where error.sqlState == "23505" && attempt < 3 {
                firstTask = nil  // A concurrent start of the same id won; the retry sees its run.
                continue
            }
        }
    }

    /// A start whose id-reuse policy allows any earlier run, in one statement (``StartRuns``),
    /// with the first workflow task when it fits. Starts that arrive together share the statement
    /// (``startWriter``).
    private func startInOneStatement(_ request: StartWorkflowRequest, at now: Date, firstTask: FirstWorkflowTask?) async throws
        -> (result: StartWorkflowResult, firstTask: WorkflowTaskCompletion?)
    {
        var (row, events) = try Self.newRun(request, at: now)
        var written: (parts: StartRuns.FirstTask, completion: WorkflowTaskCompletion)?
        if let firstTask, let first = try Self.firstTaskWrites(firstTask, request: request, runId: row.runId, events: events, limits: limits, at: now) {
            written = first
            events = first.completion.events
        }
        let start = StartRuns.Start(
            run: row, events: events, channel: Channel.workflowTasks(namespace: request.namespace, queue: request.taskQueue), firstTask: written?.parts)
        let returned = try await startWriter.submit(start) { starts in
            await self.writeBatch(starts, timeout: defaultDatabaseCallTimeout) { StartRuns(starts: $0) }
        }
        guard returned.namespaceExists, let runId = returned.runId else { throw Self.namespaceNotFound(request.namespace) }
        if runId == row.runId { return (StartWorkflowResult(runId: runId, started: true), written?.completion) }
        return (try Self.openRun(runId, of: request), nil)
    }

    /// Runs the first workflow task on the new run's events and, when its commands fit one
    /// statement, returns what the start writes for it and the whole history so far.
    private static func firstTaskWrites(
        _ firstTask: FirstWorkflowTask, request: StartWorkflowRequest, runId: UUID, events: [HistoryEvent], limits: Limits, at now: Date
    ) throws -> (parts: StartRuns.FirstTask, completion: WorkflowTaskCompletion)? {
        guard let scheduled = events.last else { return nil }
        let started = HistoryEvent(
            eventId: scheduled.eventId + 1, eventTime: now,
            attributes: .workflowTaskStarted(.init(scheduledEventId: scheduled.eventId, identity: firstTask.identity)))
        guard let commands = try? firstTask.activate(runId, events + [started]) else { return nil }
        let completed = completionEvents(
            of: scheduled.eventId, startedEventId: started.eventId, commands: commands, identity: firstTask.identity,
            taskQueue: request.taskQueue, at: now)
        let run = LockedRun(
            runId: runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, status: .running, nextEventId: started.eventId, cancelRequested: false)
        // A first task the limits refuse is left to a polled task, which fails the run.
        guard limits.workflowTaskFailure(commands: commands, lastEventId: started.eventId + Int64(completed.count), historyBytes: 0, pendingActivities: 0) == nil,
            let writes = try oneStatementWrites(of: commands, events: completed, run: run, eager: firstTask.eager, at: now)
        else { return nil }
        let history = events + [started] + completed
        return (
            StartRuns.FirstTask(nextActivity: writes.next?.row, close: writes.close),
            WorkflowTaskCompletion(events: history, eagerActivities: writes.next.map { [$0.leased] } ?? [])
        )
    }

    /// A new run's row and first events: `WorkflowExecutionStarted` and `WorkflowTaskScheduled`.
    private static func newRun(_ request: StartWorkflowRequest, at now: Date) throws -> (ExecutionsTable.Insert, [HistoryEvent]) {
        let runId = UUID()
        let row = ExecutionsTable.Insert(
            runId: runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, input: try JSONColumn.encodeIfPresent(request.input), startTime: now,
            executionDeadline: request.executionTimeout.map { now.addingTimeInterval($0.seconds) },
            searchAttributes: try JSONColumn.encodeIfPresent(request.searchAttributes), memo: try JSONColumn.encodeIfPresent(request.memo))
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: request.workflowId, workflowType: request.workflowType, taskQueue: request.taskQueue, input: request.input,
            workflowExecutionTimeout: request.executionTimeout?.seconds, originalExecutionRunId: runId.uuidString.lowercased(),
            searchAttributes: request.searchAttributes, memo: request.memo)
        let events = Self.events([.workflowExecutionStarted(started), .workflowTaskScheduled(.init(taskQueue: request.taskQueue))], from: 1, at: now)
        return (row, events)
    }

    /// The answer to a start that found an open run, under the policies that do not terminate it.
    private static func openRun(_ runId: UUID, of request: StartWorkflowRequest) throws -> StartWorkflowResult {
        guard request.idConflictPolicy == .useExisting else {
            throw StoreError(
                .workflowAlreadyStarted,
                "workflow \"\(request.workflowId)\" is already running as run \(runId); use idConflictPolicy UseExisting to get that run")
        }
        return StartWorkflowResult(runId: runId, started: false)
    }

    /// A start in a transaction; with a request id, the run an earlier request with the id resolved
    /// to, or else the start's own answer, recorded for the next repeat.
    private func start(_ request: StartWorkflowRequest, at now: Date, on connection: PostgresConnection) async throws
        -> StartWorkflowResult
    {
        guard let requestId = request.requestId else { return try await startOrUseExisting(request, at: now, on: connection) }
        if let runId = try await claimRequest(
            .start, namespace: request.namespace, workflowId: request.workflowId, requestId: requestId, on: connection)
        {
            return StartWorkflowResult(runId: runId, started: false)
        }
        let result = try await startOrUseExisting(request, at: now, on: connection)
        try await recordRequest(
            .start, namespace: request.namespace, workflowId: request.workflowId, requestId: requestId, runId: result.runId, on: connection)
        return result
    }

    private func startOrUseExisting(_ request: StartWorkflowRequest, at now: Date, on connection: PostgresConnection) async throws
        -> StartWorkflowResult
    {
        try await requireNamespace(request.namespace, on: connection)
        for try await openRunId in try await connection.execute(
            ExecutionsTable.LockOpen(namespace: request.namespace, workflowId: request.workflowId), logger: logger)
        {
            guard request.idConflictPolicy == .terminateExisting else { return try Self.openRun(openRunId, of: request) }
            var run = try await lockRun(openRunId, on: connection)
            try await terminate(&run, reason: "terminated to start a new run of the same workflow id", identity: nil, at: now, on: connection)
        }
        if request.idReusePolicy != .allowDuplicate {
            let last = try await connection.query(
                """
                SELECT status FROM workflow_executions WHERE namespace = \(request.namespace) AND workflow_id = \(request.workflowId)
                ORDER BY start_time DESC LIMIT 1
                """, logger: logger)
            for try await status in last.decode(String.self) {
                if request.idReusePolicy == .rejectDuplicate || status == WorkflowStatus.completed.rawValue {
                    throw StoreError(
                        .workflowAlreadyStarted,
                        "workflow \"\(request.workflowId)\" already ran (last status \(status)) and its id reuse policy is \(request.idReusePolicy.rawValue)")
                }
            }
        }
        let (row, events) = try Self.newRun(request, at: now)
        try await connection.run(row, logger: logger)
        var run = LockedRun(
            runId: row.runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, status: .running, nextEventId: 1, cancelRequested: false)
        // `WorkflowExecutionStarted`; scheduling the task appends the same `WorkflowTaskScheduled`.
        try await append(Array(events.prefix(1)), to: &run, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
        return StartWorkflowResult(runId: row.runId, started: true)
    }
}
