import Foundation
import PostgresNIO
import Workflow

extension Store {
    func lockRun(_ runId: UUID, on connection: PostgresConnection) async throws -> LockedRun {
        for try await columns in try await connection.execute(ExecutionsTable.Lock(runId: runId), logger: logger) {
            return LockedRun(runId: runId, columns)
        }
        throw StoreError(.workflowNotFound, "no run \(runId)")
    }

    /// Appends events to a locked run with dense ids, in one statement, and advances `next_event_id`.
    @discardableResult
    func append(
        _ attributes: [HistoryEvent.Attributes], to run: inout LockedRun, at now: Date, on connection: PostgresConnection
    ) async throws -> [HistoryEvent] {
        guard !attributes.isEmpty else { return [] }
        let events = Self.events(attributes, from: run.nextEventId, at: now)
        try await append(events, to: &run, on: connection)
        return events
    }

    /// Appends events whose ids already follow the run's history, in one statement, and advances
    /// `next_event_id`.
    func append(_ events: [HistoryEvent], to run: inout LockedRun, on connection: PostgresConnection) async throws {
        guard let first = events.first else { return }
        precondition(first.eventId == run.nextEventId, "events must follow the run's history")
        run.nextEventId += Int64(events.count)
        try await connection.run(HistoryTable.Append(runId: run.runId, nextEventId: run.nextEventId, events: events), logger: logger)
    }

    /// Numbers events densely from `firstEventId`.
    static func events(_ attributes: [HistoryEvent.Attributes], from firstEventId: Int64, at now: Date) -> [HistoryEvent] {
        attributes.enumerated().map { HistoryEvent(eventId: firstEventId + Int64($0.offset), eventTime: now, attributes: $0.element) }
    }

    /// Inserts events of several runs as they are, in one statement.
    func insert(_ events: [(runId: UUID, event: HistoryEvent)], on connection: PostgresConnection) async throws {
        try await connection.run(HistoryTable.Insert(events: events), logger: logger)
    }

    /// Schedules a workflow task for the run unless one is already pending or running, appending
    /// `WorkflowTaskScheduled` when it does.
    func scheduleWorkflowTask(for run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        guard run.status == .running else { return }
        var didInsert = false
        for try await _ in try await connection.execute(
            WorkflowTasksTable.Insert(
                runId: run.runId, namespace: run.namespace, taskQueue: run.taskQueue, workflowType: run.workflowType,
                scheduledEventId: run.nextEventId, visibleAt: now),
            logger: logger)
        {
            didInsert = true
        }
        guard didInsert else { return }
        try await append([.workflowTaskScheduled(.init(taskQueue: run.taskQueue))], to: &run, at: now, on: connection)
        try await notify(Channel.workflowTasks(namespace: run.namespace, queue: run.taskQueue), on: connection)
    }

    /// Reads a run's events after `afterEventId`, in order: all of them, or the first `limit`.
    public func history(runId: UUID, afterEventId: Int64 = 0, limit: Int? = nil) async throws -> [HistoryEvent] {
        var events: [HistoryEvent] = []
        for try await columns in try await pool.execute(
            HistoryTable.Read(runId: runId, afterEventId: afterEventId, limit: limit.map(Int64.init)), logger: logger)
        {
            events.append(try HistoryTable.event(columns))
        }
        return events
    }

    /// The next event id of each of these runs (one more than its last event's): how far each
    /// history has grown. Runs that do not exist are left out.
    public func nextEventIds(runIds: [UUID]) async throws -> [UUID: Int64] {
        var next: [UUID: Int64] = [:]
        for try await (runId, nextEventId) in try await pool.execute(ExecutionsTable.NextEventIds(runIds: runIds), logger: logger) {
            next[runId] = nextEventId
        }
        return next
    }

    /// The event that closed a run, or nil while it is open.
    public func closeEvent(runId: UUID) async throws -> HistoryEvent? {
        for try await columns in try await pool.execute(HistoryTable.ReadLast(runId: runId), logger: logger) {
            let event = try HistoryTable.event(columns)
            return event.eventType.isClosing ? event : nil
        }
        return nil
    }

    /// A run's id and status: the given run of the workflow, or else its open run, or else its latest.
    ///
    /// - Throws: ``StoreError`` `WorkflowNotFound`.
    public func runStatus(namespace: String, workflowId: String, runId: UUID?) async throws -> (runId: UUID, status: WorkflowStatus) {
        for try await (found, status) in try await pool.execute(
            ExecutionsTable.Status(runId: runId, namespace: namespace, workflowId: workflowId), logger: logger)
        {
            return (found, WorkflowStatus(rawValue: status) ?? .running)
        }
        throw Self.workflowNotFound(namespace: namespace, workflowId: workflowId, runId: runId)
    }
}
