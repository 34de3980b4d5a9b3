import Foundation
import PostgresNIO
import Workflow

/// A new run, made before it is written: its row and its first events (`WorkflowExecutionStarted`,
/// `WorkflowTaskScheduled`), so that a worker in the starting process can run its first workflow
/// task before the start is written ("eager start", as in Temporal).
package struct NewRun: Sendable {
    let row: ExecutionsTable.Insert
    /// The run's first events, numbered from 1.
    package let events: [HistoryEvent]
    /// The new run's id.
    package var runId: UUID { row.runId }

    /// A run for `request`, with a new id.
    ///
    /// - Throws: when the request's payloads cannot be encoded.
    package init(_ request: StartWorkflowRequest, at now: Date) throws {
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
    package func firstTaskEvents(identity: String, at now: Date) -> [HistoryEvent] {
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
package struct DecidedFirstTask: Sendable {
    /// The run the task ran on.
    package var run: NewRun
    /// The starting worker's identity, recorded in the task's events.
    package var identity: String
    /// What the code decided.
    package var commands: [Command]
    /// Lets the worker take the activity the task schedules.
    package var eager: EagerActivities?

    package init(run: NewRun, identity: String, commands: [Command], eager: EagerActivities?) {
        self.run = run
        self.identity = identity
        self.commands = commands
        self.eager = eager
    }
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
    package func startWorkflow(_ request: StartWorkflowRequest, at now: Date, firstTask: DecidedFirstTask?) async throws
        -> (result: StartWorkflowResult, firstTask: WorkflowTaskCompletion?)
    {
        try checkStart(request)
        var attempt = 0
        var firstTask = firstTask
        while true {
            attempt += 1
            do {
                // The common policies take one statement; the others, and a start with a request id,
                // a transaction that looks further.
                if request.takesOneStatement {
                    return try await startInOneStatement(request, at: now, firstTask: firstTask)
                }
                return (try await transaction { connection in try await self.start(request, at: now, on: connection) }, nil)
            } catch let error as PSQLError where error.sqlState == "23505" && attempt < 3 {
                firstTask = nil  // A concurrent start of the same id won; the retry sees its run.
                continue
            }
        }
    }

    /// Refuses a start that could never be written: an empty id, type or queue, or a bad request id.
    func checkStart(_ request: StartWorkflowRequest) throws {
        guard !request.workflowId.isEmpty, !request.workflowType.isEmpty, !request.taskQueue.isEmpty else {
            throw StoreError(.invalidArgument, "workflowId, type and taskQueue must not be empty")
        }
        try checkRequestId(request.requestId)
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
            await self.writeBatch(starts, timeout: Self.startBatchTimeout) { StartRuns(starts: $0) }
        }
        guard returned.namespaceExists, let runId = returned.runId else { throw Self.namespaceNotFound(request.namespace) }
        if runId == row.runId { return (StartWorkflowResult(runId: runId, started: true), written?.completion) }
        return (try Self.openRun(runId, of: request), nil)
    }

    /// How long a batch of starts may take before it is abandoned, its starts answered
    /// `Unavailable` (a 503 that says a start may have been recorded). PostgresNIO never answers a
    /// statement written to a connection that Postgres closed under it, so after a restart a batch
    /// can hang until this passes; after a second it gives its slot to the starts waiting
    /// (`slowAfter`), so this bounds only how long its own starts wait for their 503. A batch
    /// commits in milliseconds, but a machine loaded by other work (a test suite in parallel) can
    /// make it take seconds: 5 s abandoned healthy batches there, so 15 s.
    static let startBatchTimeout: Duration = .seconds(15)

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

    /// A start on a transaction's connection, under the request's policies (the schedule service's
    /// starts go through here, in the transaction that locks their schedule).
    ///
    /// - Parameter signal: a signal a new run gets as its first event after
    ///   `WorkflowExecutionStarted` (signal-with-start); an open run returned is not signalled here.
    func startOrUseExisting(
        _ request: StartWorkflowRequest, signal: HistoryEvent.WorkflowExecutionSignaledAttributes? = nil, at now: Date,
        on connection: PostgresConnection
    ) async throws -> StartWorkflowResult {
        try await requireNamespace(request.namespace, on: connection)
        for try await openRunId in try await connection.execute(
            ExecutionsTable.LockOpen(namespace: request.namespace, workflowId: request.workflowId), logger: logger)
        {
            guard request.idConflictPolicy == .terminateExisting else { return try Self.openRun(openRunId, of: request) }
            var run = try await lockRun(openRunId, on: connection)
            try await terminate(&run, reason: "terminated to start a new run of the same workflow id", identity: nil, at: now, on: connection)
        }
        if request.idReusePolicy != .allowDuplicate {
            let latest = ExecutionsTable.LatestStatus(namespace: request.namespace, workflowId: request.workflowId)
            for try await status in try await connection.execute(latest, logger: logger) {
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
        if let signal { try await append([.workflowExecutionSignaled(signal)], to: &run, at: now, on: connection) }
        try await scheduleWorkflowTask(for: &run, at: now, on: connection)
        return StartWorkflowResult(runId: row.runId, started: true)
    }
}
