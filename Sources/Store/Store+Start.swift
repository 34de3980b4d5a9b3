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

/// A new run, made before it is written: its row and its first events (`WorkflowExecutionStarted`,
/// `WorkflowTaskScheduled`), so that a worker in the starting process can run its first workflow
/// task before the start is written ("eager start", as in Temporal).
public struct NewRun: Sendable {
    let row: ExecutionsTable.Insert
    /// The run's first events, numbered from 1.
    public let events: [HistoryEvent]
    /// The new run's id.
    public var runId: UUID { row.runId }

    /// A run for `request`, with a new id.
    ///
    /// - Throws: when the request's payloads cannot be encoded.
    public init(_ request: StartWorkflowRequest, at now: Date) throws {
        let runId = UUID()
        row = ExecutionsTable.Insert(
            runId: runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, input: try JSONColumn.encodeIfPresent(request.input), startTime: now,
            executionDeadline: request.executionTimeout.map { now.addingTimeInterval($0.seconds) },
            searchAttributes: try JSONColumn.encodeIfPresent(request.searchAttributes), memo: try JSONColumn.encodeIfPresent(request.memo))
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: request.workflowId, workflowType: request.workflowType, taskQueue: request.taskQueue, input: request.input,
            workflowExecutionTimeout: request.executionTimeout?.seconds, originalExecutionRunId: runId.uuidString.lowercased(),
            searchAttributes: request.searchAttributes, memo: request.memo)
        events = Store.events([.workflowExecutionStarted(started), .workflowTaskScheduled(.init(taskQueue: request.taskQueue))], from: 1, at: now)
    }

    /// Whether this run is the one `request` starts.
    func matches(_ request: StartWorkflowRequest) -> Bool {
        row.namespace == request.namespace && row.workflowId == request.workflowId && row.workflowType == request.workflowType
            && row.taskQueue == request.taskQueue
    }

    /// What the first workflow task runs on: the run's first events and its `WorkflowTaskStarted`.
    public func firstTaskEvents(identity: String, at now: Date) -> [HistoryEvent] {
        let scheduled = events[events.count - 1]
        return events + [
            HistoryEvent(
                eventId: scheduled.eventId + 1, eventTime: now,
                attributes: .workflowTaskStarted(.init(scheduledEventId: scheduled.eventId, identity: identity)))
        ]
    }
}

/// A run's first workflow task, decided by a worker in the starting process on
/// ``NewRun/firstTaskEvents(identity:at:)`` before the start is written, and written with it: the
/// start then needs no task row, no NOTIFY, no poll and no second commit, and its first activity
/// runs at once. When the commands need more than one statement writes, the start is written
/// alone and a worker polls the task as usual. A value: the Store runs no workflow code.
public struct DecidedFirstTask: Sendable {
    /// The run the task ran on.
    public var run: NewRun
    /// The starting worker's identity, recorded in the task's events.
    public var identity: String
    /// What the code decided.
    public var commands: [Command]
    /// Lets the worker take the activity the task schedules.
    public var eager: EagerActivities?

    public init(run: NewRun, identity: String, commands: [Command], eager: EagerActivities?) {
        self.run = run
        self.identity = identity
        self.commands = commands
        self.eager = eager
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

    /// Starts a run, and with `firstTask` writes its first workflow task in the same statement when
    /// the request's policies and the task's commands allow it (an eager start).
    ///
    /// - Returns: the run, and the first task's completion when it was written with the start;
    ///   nil when the run was started alone, or an open run was returned.
    /// - Throws: as ``startWorkflow(_:at:)``.
    public func startWorkflow(_ request: StartWorkflowRequest, at now: Date, firstTask: DecidedFirstTask?) async throws
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
    private func startInOneStatement(_ request: StartWorkflowRequest, at now: Date, firstTask: DecidedFirstTask?) async throws
        -> (result: StartWorkflowResult, firstTask: WorkflowTaskCompletion?)
    {
        // A first task decided for another request (a worker's bug) is dropped: the start is plain.
        let firstTask = firstTask.flatMap { $0.run.matches(request) ? $0 : nil }
        let new = try firstTask?.run ?? NewRun(request, at: now)
        let row = new.row
        var events = new.events
        var written: (parts: StartRuns.FirstTask, completion: WorkflowTaskCompletion)?
        if let firstTask, let first = try Self.firstTaskWrites(firstTask, request: request, limits: limits, at: now) {
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

    /// What the start writes for a decided first task when its commands fit one statement, and
    /// the whole history so far.
    private static func firstTaskWrites(_ firstTask: DecidedFirstTask, request: StartWorkflowRequest, limits: Limits, at now: Date) throws
        -> (parts: StartRuns.FirstTask, completion: WorkflowTaskCompletion)?
    {
        let events = firstTask.run.firstTaskEvents(identity: firstTask.identity, at: now)
        let started = events[events.count - 1]
        let completed = completionEvents(
            of: started.eventId - 1, startedEventId: started.eventId, commands: firstTask.commands, identity: firstTask.identity,
            taskQueue: request.taskQueue, at: now)
        let run = LockedRun(
            runId: firstTask.run.runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, status: .running, nextEventId: started.eventId, cancelRequested: false)
        // A first task the limits refuse is left to a polled task, which fails the run.
        guard
            limits.workflowTaskFailure(
                commands: firstTask.commands, lastEventId: started.eventId + Int64(completed.count), historyBytes: 0, pendingActivities: 0) == nil,
            let writes = try oneStatementWrites(of: firstTask.commands, events: completed, run: run, eager: firstTask.eager, at: now)
        else { return nil }
        return (
            StartRuns.FirstTask(nextActivity: writes.next?.row, close: writes.close),
            WorkflowTaskCompletion(events: events + completed, eagerActivities: writes.next.map { [$0.leased] } ?? [])
        )
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
        let new = try NewRun(request, at: now)
        let (row, events) = (new.row, new.events)
        try await connection.run(row, logger: logger)
        var run = LockedRun(
            runId: row.runId, namespace: request.namespace, workflowId: request.workflowId, workflowType: request.workflowType,
            taskQueue: request.taskQueue, status: .running, nextEventId: 1, cancelRequested: false)
        // `WorkflowExecutionStarted`; scheduling the task appends the same `WorkflowTaskScheduled`.
        try await append(Array(events.prefix(1)), to: &run, on: connection)
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
        return StartWorkflowResult(runId: row.runId, started: true)
    }

    func requireNamespace(_ namespace: String, on connection: PostgresConnection) async throws {
        for try await _ in try await connection.execute(NamespacesTable.Exists(namespace: namespace), logger: logger) { return }
        throw Self.namespaceNotFound(namespace)
    }

    static func namespaceNotFound(_ namespace: String) -> StoreError {
        StoreError(.namespaceNotFound, "namespace \"\(namespace)\" does not exist; create it with `reprise namespace create \(namespace)`")
    }

    /// Creates a namespace.
    ///
    /// - Throws: ``StoreError`` `NamespaceAlreadyExists`, or `InvalidArgument` for a bad name or retention.
    public func createNamespace(_ name: String, retentionDays: Int = 7) async throws {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw StoreError(.invalidArgument, "a namespace name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        guard (1...3650).contains(retentionDays) else {
            throw StoreError(.invalidArgument, "retentionDays must be between 1 and 3650")
        }
        do {
            try await client.query("INSERT INTO namespaces (name, retention_days) VALUES (\(name), \(retentionDays))", logger: logger)
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError(.namespaceExists, "namespace \"\(name)\" already exists")
        }
    }

    /// The namespaces and their retention, by name.
    public func namespaces() async throws -> [(name: String, retentionDays: Int)] {
        var result: [(String, Int)] = []
        for try await row in try await client.query("SELECT name, retention_days FROM namespaces ORDER BY name", logger: logger)
            .decode((String, Int).self)
        {
            result.append(row)
        }
        return result
    }
}
