import Foundation
import PostgresNIO
import Workflow

/// Starts in one round trip and one commit: each the run, its first events and its first
/// workflow task, unless its namespace is unknown or its workflow id has an open run; then
/// nothing is written for it. Returns per start, in order, the new run's id, or else the open
/// run's id, and whether the namespace exists.
///
/// With a ``FirstTask`` (an eager start) the events go on through that task's completion, no task
/// row is queued, and the run either has its first activity leased to the starting worker or is
/// closed at once (and `Channel.runClosed` told).
struct StartRuns: DescribedStatement {
    static let statement = Statement<Self> { p in
        func column<Value: PostgresArrayEncodable & Sendable>(_ type: String, _ value: @escaping @Sendable (Start) -> Value) -> String {
            p.bind("\(type)[]") { $0.starts.map(value) }
        }
        return """
            WITH start AS (
                SELECT * FROM unnest(\(column("uuid") { $0.run.runId }), \(column("text") { $0.run.namespace }),
                    \(column("text") { $0.run.workflowId }), \(column("text") { $0.run.workflowType }), \(column("text") { $0.run.taskQueue }),
                    \(column("text") { $0.run.input ?? "" }), \(column("timestamptz") { $0.run.startTime }),
                    \(column("timestamptz") { $0.run.executionDeadline ?? noTime }), \(column("text") { $0.run.searchAttributes ?? "" }),
                    \(column("text") { $0.run.memo ?? "" }), \(column("bigint") { Int64($0.events.count) + 1 }),
                    \(column("bool") { $0.firstTask != nil }), \(column("text") { $0.channel }))
                    WITH ORDINALITY AS s(run_id, namespace, workflow_id, workflow_type, task_queue, input, start_time, execution_deadline,
                        search_attributes, memo, next_event_id, eager, channel, n)
            ), namespace AS (
                SELECT name FROM reprise.namespaces WHERE name IN (SELECT namespace FROM start)
            ), open AS (
                -- Looked up per start by the open-run index: as a join, the planner could read all of it.
                SELECT w.run_id, w.namespace, w.workflow_id FROM start s CROSS JOIN LATERAL (
                    SELECT run_id, namespace, workflow_id FROM reprise.workflow_executions
                    WHERE namespace = s.namespace AND workflow_id = s.workflow_id AND status IN \(ExecutionsTable.openStatuses) \(ExecutionsTable.rowLock)
                ) w
            ), closing AS (
                \(ExecutionsTable.closes(&p) { $0.closes })
            ), run AS (
                INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                    start_time, execution_deadline, next_event_id, search_attributes, memo, close_time, result, failure)
                SELECT s.run_id, s.namespace, s.workflow_id, s.workflow_type, s.task_queue, COALESCE(c.status, '\(WorkflowStatus.running.rawValue)'),
                    NULLIF(s.input, '')::jsonb, s.start_time, NULLIF(s.execution_deadline, 'epoch'), s.next_event_id,
                    NULLIF(s.search_attributes, '')::jsonb, NULLIF(s.memo, '')::jsonb, c.close_time, c.result, c.failure
                FROM start s LEFT JOIN closing c ON c.run_id = s.run_id
                WHERE s.namespace IN (SELECT name FROM namespace)
                    AND NOT EXISTS (SELECT FROM open o WHERE o.namespace = s.namespace AND o.workflow_id = s.workflow_id)
                RETURNING run_id
            ), appended AS (
                \(HistoryTable.insert(&p) { $0.events })
                WHERE e.run_id IN (SELECT run_id FROM run)
            ), task AS (
                INSERT INTO reprise.workflow_tasks (run_id, namespace, task_queue, workflow_type, scheduled_event_id, visible_at)
                SELECT s.run_id, s.namespace, s.task_queue, s.workflow_type, s.next_event_id - 1, s.start_time FROM start s
                WHERE NOT s.eager AND s.run_id IN (SELECT run_id FROM run)
            ), leased AS (
                \(ActivityTasksTable.insertLeased(&p) { $0.nextActivities })
                WHERE n.run_id IN (SELECT run_id FROM run)
            )
            SELECT COALESCE(r.run_id, o.run_id), s.namespace IN (SELECT name FROM namespace),
                (SELECT count(pg_notify(t.channel, '')::text) FROM start t WHERE NOT t.eager AND t.run_id IN (SELECT run_id FROM run)),
                (SELECT count(pg_notify('\(Channel.runClosed)', c.run_id::text)::text) FROM closing c WHERE c.run_id IN (SELECT run_id FROM run))
            FROM start s LEFT JOIN run r ON r.run_id = s.run_id
                LEFT JOIN (SELECT DISTINCT run_id, namespace, workflow_id FROM open) o ON o.namespace = s.namespace AND o.workflow_id = s.workflow_id
            ORDER BY s.n
            """
    }
    typealias Row = Answer

    /// The run a start resolved to: the new one, or an open one of the same workflow id (nil when
    /// the namespace does not exist).
    struct Answer: Sendable, Equatable {
        var runId: UUID?
        var namespaceExists: Bool
    }

    /// The first workflow task's writes besides its events: the activity it leases to the starting
    /// worker, or the run's close.
    struct FirstTask: Sendable {
        var nextActivity: ActivityTasksTable.Insert?
        var close: ExecutionsTable.Close?
    }

    /// One start.
    struct Start: Sendable {
        var run: ExecutionsTable.Insert
        /// The run's first events, numbered from 1; all at the start time.
        var events: [HistoryEvent]
        var channel: String
        var firstTask: FirstTask?
    }

    let starts: [Start]
    /// What the fragments bind, each array taken once here rather than once per bound column.
    private let events: [(runId: UUID, event: HistoryEvent)]
    private let closes: [ExecutionsTable.Close]
    private let nextActivities: [ActivityTasksTable.Insert]

    init(starts: [Start]) {
        self.starts = starts
        events = starts.flatMap { start in start.events.map { (start.run.runId, $0) } }
        closes = starts.compactMap { $0.firstTask?.close }
        nextActivities = starts.compactMap { $0.firstTask?.nextActivity }
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (runId, namespaceExists, _, _) = try row.decode((UUID?, Bool, Int, Int).self)
        return Answer(runId: runId, namespaceExists: namespaceExists)
    }
}
