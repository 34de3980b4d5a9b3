import Foundation
import PostgresNIO
import Workflow

/// `workflow_executions`: one row per run, its status, outcome and `next_event_id`. Every
/// transition that touches a run locks this row first, so appends to one run are serialised and
/// locks are always taken in one order (execution row, then task rows).
enum ExecutionsTable {
    /// The statuses in which a run is open: it holds its workflow id.
    static let openStatuses = "('\(WorkflowStatus.running.rawValue)', '\(WorkflowStatus.paused.rawValue)')"

    /// The tie-break among a workflow id's runs that started at the same time (a chain of
    /// continue-as-new runs under a clock that stands still): a run that has a successor is older.
    static let succeededLast = "(new_execution_run_id IS NOT NULL)"

    /// Locks a run's row (every transition's first statement).
    struct Lock: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(ExecutionsTable.lockedColumns)
            FROM reprise.workflow_executions WHERE run_id = \(p.bind("uuid") { $0.runId }) \(ExecutionsTable.rowLock)
            """
        }
        typealias Row = LockedRun.Columns
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Inserts a new run's row.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                start_time, execution_deadline, next_event_id, search_attributes, memo)
            VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.namespace }), \(p.bind("text") { $0.workflowId }),
                \(p.bind("text") { $0.workflowType }), \(p.bind("text") { $0.taskQueue }), '\(WorkflowStatus.running.rawValue)',
                \(p.bind("text") { $0.input })::jsonb, \(p.bind("timestamptz") { $0.startTime }), \(p.bind("timestamptz") { $0.executionDeadline }),
                1, \(p.bind("text") { $0.searchAttributes })::jsonb, \(p.bind("text") { $0.memo })::jsonb)
            """
        }
        typealias Row = Void
        var runId: UUID
        var namespace: String
        var workflowId: String
        var workflowType: String
        var taskQueue: String
        var input: String?
        var startTime: Date
        var executionDeadline: Date?
        var searchAttributes: String?
        var memo: String?
    }

    /// Records a run's last workflow-task failure and its status: `Paused` when the attempts
    /// are spent, `Running` otherwise; `Running` with no failure resumes a paused run.
    struct SetTaskFailure: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_executions SET task_failure = \(p.bind("text") { try $0.failure.map(JSONColumn.encode) })::jsonb,
                status = \(p.bind("text") { $0.status.rawValue })
            WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = Void
        var runId: UUID
        var failure: TaskFailureRecord?
        var status: WorkflowStatus
    }

    /// Marks a run as asked to cancel.
    struct RequestCancel: DescribedStatement {
        static let statement = Statement<Self> { p in
            "UPDATE reprise.workflow_executions SET cancel_requested = true WHERE run_id = \(p.bind("uuid") { $0.runId })"
        }
        typealias Row = Void
        var runId: UUID
    }

    /// The status of a workflow id's latest run.
    struct LatestStatus: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT status FROM reprise.workflow_executions
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND workflow_id = \(p.bind("text") { $0.workflowId })
            ORDER BY start_time DESC, \(ExecutionsTable.succeededLast) LIMIT 1
            """
        }
        typealias Row = String
        var namespace: String
        var workflowId: String
    }

    /// Locks the open run of a workflow id, if there is one.
    struct LockOpen: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id FROM reprise.workflow_executions
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND workflow_id = \(p.bind("text") { $0.workflowId })
                AND status IN \(ExecutionsTable.openStatuses) \(ExecutionsTable.rowLock)
            """
        }
        typealias Row = UUID
        var namespace: String
        var workflowId: String
    }

    /// A workflow's given run, or else its open run, or else its latest: id and status.
    struct Status: DescribedStatement {
        static let statement = Statement<Self> { p in
            let runId = p.bind("uuid") { $0.runId }
            return """
                SELECT run_id, status FROM reprise.workflow_executions
                WHERE namespace = \(p.bind("text") { $0.namespace }) AND workflow_id = \(p.bind("text") { $0.workflowId })
                    AND (\(runId) IS NULL OR run_id = \(runId))
                ORDER BY (status IN \(ExecutionsTable.openStatuses)) DESC, start_time DESC, \(ExecutionsTable.succeededLast) LIMIT 1
                """
        }
        typealias Row = (UUID, String)
        var runId: UUID?
        var namespace: String
        var workflowId: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The next event id of each of several runs.
    struct NextEventIds: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT run_id, next_event_id FROM reprise.workflow_executions WHERE run_id = ANY(\(p.bind("uuid[]") { $0.runIds }))"
        }
        typealias Row = (UUID, Int64)
        var runIds: [UUID]

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Closes a run: its status and outcome, and every task row and timer it still has; tells the
    /// waiting history long-polls (`Channel.runClosed`, with the run id) once the transaction commits.
    struct Close: DescribedStatement {
        static let statement = Statement<Self> { p in
            let runId = p.bind("uuid") { $0.runId }
            return """
                WITH closed AS (
                    UPDATE reprise.workflow_executions SET status = \(p.bind("text") { $0.status.rawValue }),
                        close_time = \(p.bind("timestamptz") { $0.closeTime }), result = \(p.bind("text") { $0.result })::jsonb,
                        failure = \(p.bind("text") { $0.failure })::jsonb
                    WHERE run_id = \(runId)
                ), \(ExecutionsTable.deleteTaskRows(where: "run_id = \(runId)"))
                SELECT pg_notify('\(Channel.runClosed)', \(runId)::text)::text
                """
        }
        typealias Row = Void
        var runId: UUID
        var status: WorkflowStatus
        var closeTime: Date
        var result: String?
        var failure: String?
    }

    /// The runs a batched statement closes, bound as five arrays for `unnest`, as
    /// `c(run_id, status, close_time, result, failure)`.
    static func closes<Input>(_ p: inout SQLParameters<Input>, _ closes: @escaping @Sendable (Input) -> [Close]) -> String {
        """
        SELECT c.run_id, c.status, c.close_time, NULLIF(c.result, '')::jsonb AS result, NULLIF(c.failure, '')::jsonb AS failure
        FROM unnest(\(p.bind("uuid[]") { closes($0).map(\.runId) }), \(p.bind("text[]") { closes($0).map(\.status.rawValue) }),
            \(p.bind("timestamptz[]") { closes($0).map(\.closeTime) }), \(p.bind("text[]") { closes($0).map { $0.result ?? "" } }),
            \(p.bind("text[]") { closes($0).map { $0.failure ?? "" } }))
            AS c(run_id, status, close_time, result, failure)
        """
    }

    /// CTEs that delete the task rows and timers of the runs that `condition` (on `run_id`)
    /// picks: what a closed run no longer has.
    static func deleteTaskRows(where condition: String) -> String {
        """
        closed_workflow_tasks AS (
            DELETE FROM reprise.workflow_tasks WHERE \(condition)
        ), closed_activities AS (
            DELETE FROM reprise.activity_tasks WHERE \(condition)
        ), closed_timers AS (
            DELETE FROM reprise.timers WHERE \(condition)
        )
        """
    }

    /// How a transition locks a run's row. `NO KEY UPDATE` excludes every other transition as
    /// `UPDATE` would, but lets a foreign-key check (`KEY SHARE`) through: a child's close can hold
    /// an event for its busy parent in `buffered_events` without waiting for the parent's lock.
    static let rowLock = "FOR NO KEY UPDATE"

    /// The columns ``LockAll`` reads of each run, after its id: those ``Lock`` reads.
    static let lockedColumns =
        "namespace, workflow_id, workflow_type, task_queue, status, next_event_id, cancel_requested, history_bytes, parent_run_id, has_children"

    /// Locks several runs' rows in run-id order, the order every multi-run transaction locks in,
    /// so that two of them cannot deadlock.
    struct LockAll: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id, \(ExecutionsTable.lockedColumns)
            FROM reprise.workflow_executions WHERE run_id = ANY(\(p.bind("uuid[]") { $0.runIds })) ORDER BY run_id \(ExecutionsTable.rowLock)
            """
        }
        typealias Row = LockedRun
        var runIds: [UUID]

        func decodeRow(_ row: PostgresRow) throws -> Row { try LockedRun(row: row) }
    }

    /// Advances several runs' `next_event_id`, after their events were inserted as they are.
    struct Advance: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_executions e SET next_event_id = v.next_event_id
            FROM unnest(\(p.bind("uuid[]") { $0.runs.map(\.runId) }), \(p.bind("bigint[]") { $0.runs.map(\.nextEventId) }))
                AS v(run_id, next_event_id)
            WHERE e.run_id = v.run_id
            """
        }
        typealias Row = Void
        var runs: [(runId: UUID, nextEventId: Int64)]
    }

    /// Up to `limit` open runs whose execution deadline has passed.
    struct TimedOut: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id FROM reprise.workflow_executions
            WHERE execution_deadline <= \(p.bind("timestamptz") { $0.now }) AND execution_deadline IS NOT NULL
                AND status IN \(ExecutionsTable.openStatuses) LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = UUID
        var now: Date
        var limit: Int
    }
}

/// A run's execution row, locked (``ExecutionsTable/rowLock``) for the rest of the transaction.
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
    /// The run that started this one as its child, if any: its close reports to that run.
    var parentRunId: UUID? = nil
    /// Whether the run ever started a child: only then does its close look for open children.
    var hasChildren = false
}

extension LockedRun {
    /// The columns a lock reads (``ExecutionsTable/lockedColumns``): namespace, workflow id and
    /// type, task queue, status, next event id, cancel requested, history bytes, parent run id,
    /// has children.
    typealias Columns = (String, String, String, String, String, Int64, Bool, Int64, UUID?, Bool)

    /// A row of `run_id` followed by ``ExecutionsTable/lockedColumns``.
    init(row: PostgresRow) throws {
        let (runId, namespace, workflowId, type, queue, status, next, cancel, bytes, parent, hasChildren) = try row.decode(
            (UUID, String, String, String, String, String, Int64, Bool, Int64, UUID?, Bool).self)
        self.init(runId: runId, (namespace, workflowId, type, queue, status, next, cancel, bytes, parent, hasChildren))
    }

    init(runId: UUID, _ columns: Columns) {
        let (namespace, workflowId, type, queue, status, next, cancel, bytes, parent, hasChildren) = columns
        self.init(
            runId: runId, namespace: namespace, workflowId: workflowId, workflowType: type, taskQueue: queue,
            status: WorkflowStatus(rawValue: status) ?? .running, nextEventId: next, cancelRequested: cancel, historyBytes: bytes,
            parentRunId: parent, hasChildren: hasChildren)
    }
}
