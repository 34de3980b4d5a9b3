import Foundation
import PostgresNIO
import Workflow

/// A run's execution row, locked `FOR UPDATE` for the rest of the transaction. Every transition
/// that touches a run locks this row first, so appends to one run are serialised and locks are
/// always taken in the same order (execution row, then task rows).
struct LockedRun: Sendable {
    var runId: UUID
    var namespace: String
    var workflowId: String
    var workflowType: String
    var taskQueue: String
    var status: WorkflowStatus
    var nextEventId: Int64
    var cancelRequested: Bool
    /// The stored size of the run's history, in bytes of event JSON (kept by a trigger).
    var historyBytes: Int64 = 0
}

extension LockedRun {
    /// The columns a lock reads: namespace, workflow id and type, task queue, status, next event
    /// id, cancel requested, history bytes.
    typealias Columns = (String, String, String, String, String, Int64, Bool, Int64)

    init(runId: UUID, _ columns: Columns) {
        let (namespace, workflowId, type, queue, status, next, cancel, bytes) = columns
        self.init(
            runId: runId, namespace: namespace, workflowId: workflowId, workflowType: type, taskQueue: queue,
            status: WorkflowStatus(rawValue: status) ?? .running, nextEventId: next, cancelRequested: cancel, historyBytes: bytes)
    }
}

extension Store {
    func lockRun(_ runId: UUID, on connection: PostgresConnection) async throws -> LockedRun {
        for try await columns in try await connection.execute(Prepared.LockRun(runId: runId), logger: logger) {
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
        try await connection.run(Prepared.AppendEvents(runId: run.runId, nextEventId: run.nextEventId, events: events), logger: logger)
    }

    /// Numbers events densely from `firstEventId`.
    static func events(_ attributes: [HistoryEvent.Attributes], from firstEventId: Int64, at now: Date) -> [HistoryEvent] {
        attributes.enumerated().map { HistoryEvent(eventId: firstEventId + Int64($0.offset), eventTime: now, attributes: $0.element) }
    }

    /// Inserts events of several runs as they are, in one statement.
    func insert(_ events: [(runId: UUID, event: HistoryEvent)], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings()
        try Prepared.RunEvents.append(events, to: &bindings)
        try await connection.query(PostgresQuery(unsafeSQL: Prepared.RunEvents.insert(from: 1), binds: bindings), logger: logger)
    }

    /// Schedules a workflow task for the run unless one is already pending or running, appending
    /// `WorkflowTaskScheduled` when it does.
    func scheduleWorkflowTask(for run: inout LockedRun, at now: Date, on connection: PostgresConnection) async throws {
        guard run.status == .running else { return }
        var didInsert = false
        for try await _ in try await connection.execute(
            Prepared.InsertWorkflowTask(runId: run.runId, namespace: run.namespace, taskQueue: run.taskQueue, scheduledEventId: run.nextEventId, visibleAt: now),
            logger: logger)
        {
            didInsert = true
        }
        guard didInsert else { return }
        try await append([.workflowTaskScheduled(.init(taskQueue: run.taskQueue))], to: &run, at: now, on: connection)
        try await notify(Channel.workflowTasks(namespace: run.namespace, queue: run.taskQueue), on: connection)
    }

    /// Wakes pollers listening on `channel` once the transaction commits.
    func notify(_ channel: String, on connection: PostgresConnection) async throws {
        try await connection.run(Prepared.Notify(channel: channel), logger: logger)
    }

    /// Reads a run's events after `afterEventId`, in order: all of them, or the first `limit`.
    public func history(runId: UUID, afterEventId: Int64 = 0, limit: Int? = nil) async throws -> [HistoryEvent] {
        var events: [HistoryEvent] = []
        for try await (id, time, attributes, type) in try await client.execute(
            Prepared.ReadHistory(runId: runId, afterEventId: afterEventId, limit: limit.map(Int64.init)), logger: logger)
        {
            events.append(try Self.event(id: id, time: time, type: type, attributes: attributes))
        }
        return events
    }

    /// The next event id of each of these runs (one more than its last event's): how far each
    /// history has grown. Runs that do not exist are left out.
    public func nextEventIds(runIds: [UUID]) async throws -> [UUID: Int64] {
        var next: [UUID: Int64] = [:]
        for try await (runId, nextEventId) in try await client.execute(Prepared.NextEventIds(runIds: runIds), logger: logger) {
            next[runId] = nextEventId
        }
        return next
    }

    /// The event that closed a run, or nil while it is open.
    public func closeEvent(runId: UUID) async throws -> HistoryEvent? {
        for try await (id, time, attributes, type) in try await client.execute(Prepared.ReadLastEvent(runId: runId), logger: logger) {
            let event = try Self.event(id: id, time: time, type: type, attributes: attributes)
            return event.eventType.isClosing ? event : nil
        }
        return nil
    }

    /// A run's id and status: the given run of the workflow, or else its open run, or else its latest.
    ///
    /// - Throws: ``StoreError`` `WorkflowNotFound`.
    public func runStatus(namespace: String, workflowId: String, runId: UUID?) async throws -> (runId: UUID, status: WorkflowStatus) {
        for try await (found, status) in try await client.execute(
            Prepared.RunStatus(namespace: namespace, workflowId: workflowId, runId: runId), logger: logger)
        {
            return (found, WorkflowStatus(rawValue: status) ?? .running)
        }
        throw Self.workflowNotFound(namespace: namespace, workflowId: workflowId, runId: runId)
    }

    static func event(id: Int64, time: Date, type: String, attributes: String) throws -> HistoryEvent {
        // The row's columns are reassembled into the API's JSON shape and decoded once.
        let json = "{\"eventId\":\(id),\"eventTime\":\"\(RFC3339.format(time))\",\"eventType\":\"\(type)\",\"attributes\":\(attributes)}"
        return try JSONCoding.decoder.decode(HistoryEvent.self, from: Data(json.utf8))
    }
}

/// LISTEN/NOTIFY channel names. A task queue's channels are per (namespace, queue), so a worker is
/// woken only for the namespaces it serves (issue 15). Names are hashed so any fits Postgres's
/// 63-byte limit; a collision only wakes a poller for nothing.
public enum Channel {
    public static func workflowTasks(namespace: String, queue: String) -> String { "reprise_wt_\(hash(namespace, queue))" }
    public static func activityTasks(namespace: String, queue: String) -> String { "reprise_at_\(hash(namespace, queue))" }
    public static let timers = "reprise_timers"
    /// Carries the id of each run that closes, for the history long-polls waiting on it.
    public static let runClosed = "reprise_run_closed"

    /// FNV-1a over the namespace, a NUL (which no identifier holds) and the queue.
    private static func hash(_ namespace: String, _ queue: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array(namespace.utf8) + [0] + Array(queue.utf8) {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
