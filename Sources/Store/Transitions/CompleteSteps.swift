import Foundation
import PostgresNIO
import Workflow

/// Whole steps in one round trip and one commit (the hot path; docs/design.md, "Transaction
/// boundaries"), each an activity's completion, the inline workflow task's events, and either the
/// next activity row, leased to the completing worker, or the run's close. The steps are
/// independent: each writes only if its run is where the worker's cache left it (`run`) and its
/// attempt still holds its lease (`taken`), and every write hangs off `taken`. Returns, per step in
/// order, whether each of the two held: (false, false) the run moved on, closed or reached
/// ``Limits/maxHistoryBytes`` (the longer path then fails it), or would close with a parent or
/// children (the longer path closes it with them), (true, false) the lease was lost. A
/// close deletes the run's task rows and timers and NOTIFYs `Channel.runClosed`, as
/// ``ExecutionsTable/Close`` does.
struct CompleteSteps: DescribedStatement {
    static let statement = Statement<Self> { p in
        """
        WITH step AS (
            SELECT * FROM unnest(\(p.bind("uuid[]") { $0.steps.map(\.task.runId) }), \(p.bind("text[]") { $0.steps.map(\.task.activityId) }),
                \(p.bind("bigint[]") { $0.steps.map(\.task.attempt) }), \(p.bind("uuid[]") { $0.steps.map(\.task.leaseToken) }),
                \(p.bind("bigint[]") { $0.steps.map(\.expectedNextEventId) }),
                \(p.bind("bigint[]") { $0.steps.map { $0.expectedNextEventId + Int64($0.events.count) } }),
                \(p.bind("text[]") { $0.steps.map(\.taskQueue) }), \(p.bind("bool[]") { $0.steps.map { $0.close != nil } }))
                WITH ORDINALITY AS s(run_id, activity_id, attempt, lease_token, expected_event_id, next_event_id, task_queue, closes, n)
        ), run AS (
            -- Locked per step by primary key, in run-id order (the order the timer service locks
            -- in), and checked after; OFFSET 0 keeps the checks out of the lookup. With them in
            -- it, or as a join, the planner could read every open run's entry in the partial
            -- open-run index instead.
            SELECT w.run_id, w.history_bytes FROM (SELECT * FROM step ORDER BY run_id) s CROSS JOIN LATERAL (
                SELECT run_id, next_event_id, status, task_queue, history_bytes, parent_run_id, has_children
                FROM reprise.workflow_executions WHERE run_id = s.run_id OFFSET 0 \(ExecutionsTable.rowLock)
            ) w
            WHERE w.next_event_id = s.expected_event_id AND w.status = '\(WorkflowStatus.running.rawValue)' AND w.task_queue = s.task_queue
                AND w.history_bytes < \(p.bind("bigint") { $0.maxHistoryBytes })
                -- A close that reaches a parent or children takes the longer path (``Store/closeFamily``).
                AND (NOT s.closes OR (w.parent_run_id IS NULL AND NOT w.has_children))
        ), taken AS (
            DELETE FROM reprise.activity_tasks a USING step s
            WHERE a.run_id = s.run_id AND a.activity_id = s.activity_id AND a.attempt = s.attempt AND a.lease_token = s.lease_token
                AND a.run_id IN (SELECT run_id FROM run)
            RETURNING a.run_id
        ), appended AS (
            \(HistoryTable.insert(&p) { $0.events })
            WHERE e.run_id IN (SELECT run_id FROM taken)
        ), closing AS (
            \(ExecutionsTable.closes(&p) { $0.closes }) WHERE c.run_id IN (SELECT run_id FROM taken)
        ), advanced AS (
            UPDATE reprise.workflow_executions w SET next_event_id = s.next_event_id, status = COALESCE(c.status, w.status),
                close_time = COALESCE(c.close_time, w.close_time), result = COALESCE(c.result, w.result),
                failure = COALESCE(c.failure, w.failure)
            FROM step s LEFT JOIN closing c ON c.run_id = s.run_id
            WHERE w.run_id = s.run_id AND w.run_id IN (SELECT run_id FROM taken)
        ), leased AS (
            \(ActivityTasksTable.insertLeased(&p) { $0.nextActivities }) WHERE n.run_id IN (SELECT run_id FROM taken)
        ), \(ExecutionsTable.deleteTaskRows(where: "run_id IN (SELECT run_id FROM closing)"))
        SELECT s.run_id IN (SELECT run_id FROM run), s.run_id IN (SELECT run_id FROM taken),
            (SELECT count(pg_notify('\(Channel.runClosed)', run_id::text)::text) FROM closing),
            COALESCE((SELECT history_bytes FROM run r WHERE r.run_id = s.run_id), 0)
        FROM step s ORDER BY s.n
        """
    }
    typealias Row = Held

    /// Whether a step's run was where the worker's cache left it, and its attempt held its lease;
    /// and the run's stored history size before the step, read under its lock.
    struct Held: Sendable, Equatable {
        var run: Bool
        var lease: Bool
        var historyBytes: Int64 = 0
    }

    /// One step: the completed attempt and what its inline workflow task wrote.
    struct Step: Sendable {
        var task: ActivityTask
        var expectedNextEventId: Int64
        var taskQueue: String
        /// From the activity's `ActivityTaskStarted` to the workflow task's last command event.
        var events: [HistoryEvent]
        /// The next activity's row, leased to the completing worker (its lease columns are set).
        var nextActivity: ActivityTasksTable.Insert?
        /// The run's close, when the workflow task ended it.
        var close: ExecutionsTable.Close?
    }

    let steps: [Step]
    let maxHistoryBytes: Int64
    /// What the fragments bind, each array taken once here rather than once per bound column.
    private let events: [(runId: UUID, event: HistoryEvent)]
    private let closes: [ExecutionsTable.Close]
    private let nextActivities: [ActivityTasksTable.Insert]

    init(steps: [Step], maxHistoryBytes: Int64) {
        self.steps = steps
        self.maxHistoryBytes = maxHistoryBytes
        events = steps.flatMap { step in step.events.map { (step.task.runId, $0) } }
        closes = steps.compactMap(\.close)
        nextActivities = steps.compactMap(\.nextActivity)
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (run, lease, _, bytes) = try row.decode((Bool, Bool, Int, Int64).self)
        return Held(run: run, lease: lease, historyBytes: bytes)
    }
}

/// The batched hot-path statements' SQL, for the benchmark to show their plans on grown tables.
package enum HotPathStatements {
    /// Name, SQL, and the number of parameters.
    package static var all: [(name: String, sql: String, parameters: Int)] {
        [
            ("step (CompleteSteps)", CompleteSteps.statement.sql, CompleteSteps.statement.parameterCount),
            ("start (StartRuns)", StartRuns.statement.sql, StartRuns.statement.parameterCount),
        ]
    }
}
