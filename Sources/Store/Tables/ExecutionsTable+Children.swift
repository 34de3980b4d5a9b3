import Foundation
import PostgresNIO
import Workflow

/// `workflow_executions`' parent and child columns (engine version 15).
extension ExecutionsTable {
    /// Inserts the rows of the children one workflow task starts, each unless an open run holds its
    /// workflow id (or a child before it in the batch took it); returns the ids it inserted. Each
    /// row's `next_event_id` follows its first two events, written with it
    /// (``Store/applyChildCommands(_:of:at:on:)``).
    struct InsertChildren: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                start_time, execution_deadline, next_event_id, parent_run_id, parent_initiated_event_id, parent_started_event_id,
                parent_close_policy, trace_context)
            SELECT c.run_id, c.namespace, c.workflow_id, c.workflow_type, c.task_queue, '\(WorkflowStatus.running.rawValue)',
                NULLIF(c.input, '')::jsonb, c.start_time, NULLIF(c.execution_deadline, 'epoch'), 3, p.run_id,
                c.initiated_event_id, c.started_event_id, c.parent_close_policy, p.trace_context
            FROM unnest(\(p.bind("uuid[]") { $0.children.map(\.row.runId) }), \(p.bind("text[]") { $0.children.map(\.row.namespace) }),
                \(p.bind("text[]") { $0.children.map(\.row.workflowId) }), \(p.bind("text[]") { $0.children.map(\.row.workflowType) }),
                \(p.bind("text[]") { $0.children.map(\.row.taskQueue) }), \(p.bind("text[]") { $0.children.map { $0.row.input ?? "" } }),
                \(p.bind("timestamptz[]") { $0.children.map(\.row.startTime) }),
                \(p.bind("timestamptz[]") { $0.children.map { $0.row.executionDeadline ?? noTime } }),
                \(p.bind("bigint[]") { $0.children.map(\.initiatedEventId) }), \(p.bind("bigint[]") { $0.children.map(\.startedEventId) }),
                \(p.bind("text[]") { $0.children.map(\.parentClosePolicy.rawValue) }))
                WITH ORDINALITY AS c(run_id, namespace, workflow_id, workflow_type, task_queue, input, start_time, execution_deadline,
                    initiated_event_id, started_event_id, parent_close_policy, n)
            -- A child joins its parent's trace (docs/observability.md).
            CROSS JOIN (SELECT run_id, trace_context FROM reprise.workflow_executions WHERE run_id = \(p.bind("uuid") { $0.parentRunId })) p
            ORDER BY c.n
            ON CONFLICT (namespace, workflow_id) WHERE status IN \(ExecutionsTable.openStatuses) DO NOTHING
            RETURNING run_id
            """
        }
        typealias Row = UUID
        var parentRunId: UUID
        var children: [Child]

        /// One child's row.
        struct Child: Sendable {
            var row: Insert
            /// The parent's `StartChildWorkflowExecutionInitiated` and `ChildWorkflowExecutionStarted`.
            var initiatedEventId: Int64
            var startedEventId: Int64
            var parentClosePolicy: ParentClosePolicy
        }
    }

    /// Records that a run has started a child, so that its close looks for open children.
    struct MarkHasChildren: DescribedStatement {
        static let statement = Statement<Self> { p in
            "UPDATE reprise.workflow_executions SET has_children = true WHERE run_id = \(p.bind("uuid") { $0.runId })"
        }
        typealias Row = Void
        var runId: UUID
    }

    /// The parent event ids a child's close refers to: its initiated and started events.
    struct ParentEventIds: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT parent_initiated_event_id, parent_started_event_id FROM reprise.workflow_executions
            WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = (Int64, Int64)
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks a parent's open children that its close reaches (all but the abandoned), in run-id
    /// order, with their close policies. `NOWAIT`: the parent's row is held already, and only the
    /// order child then parent may wait (Store README).
    struct LockOpenChildren: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id, \(ExecutionsTable.lockedColumns), parent_close_policy FROM reprise.workflow_executions
            WHERE parent_run_id = \(p.bind("uuid") { $0.parentRunId }) AND status IN \(ExecutionsTable.openStatuses)
                AND parent_close_policy <> '\(ParentClosePolicy.abandon.rawValue)'
            ORDER BY run_id \(ExecutionsTable.rowLock) NOWAIT
            """
        }
        typealias Row = (run: LockedRun, policy: ParentClosePolicy)
        var parentRunId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (runId, namespace, workflowId, type, queue, status, next, cancel, bytes, parent, hasChildren, policy) = try row.decode(
                (UUID, String, String, String, String, String, Int64, Bool, Int64, UUID?, Bool, String?).self)
            return (
                LockedRun(runId: runId, (namespace, workflowId, type, queue, status, next, cancel, bytes, parent, hasChildren)),
                policy.flatMap(ParentClosePolicy.init(rawValue:)) ?? .terminate
            )
        }
    }

    /// Locks a child's parent unless another transaction holds it (`SKIP LOCKED`): no row when it is
    /// busy or gone. A fan-in of many children would otherwise queue on the parent's row, one
    /// commit after another; a child that finds it busy holds its event instead (`Transitions/CloseFamily.swift`).
    struct LockParentIfFree: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(ExecutionsTable.lockedColumns)
            FROM reprise.workflow_executions WHERE run_id = \(p.bind("uuid") { $0.runId }) \(ExecutionsTable.rowLock) SKIP LOCKED
            """
        }
        typealias Row = LockedRun.Columns
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks one child of a parent, by workflow id and run id, `NOWAIT` as ``LockOpenChildren``.
    struct LockChild: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id, \(ExecutionsTable.lockedColumns) FROM reprise.workflow_executions
            WHERE parent_run_id = \(p.bind("uuid") { $0.parentRunId }) AND workflow_id = \(p.bind("text") { $0.workflowId })
                AND run_id = \(p.bind("uuid") { $0.runId }) \(ExecutionsTable.rowLock) NOWAIT
            """
        }
        typealias Row = LockedRun
        var parentRunId: UUID
        var workflowId: String
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try LockedRun(row: row) }
    }

    /// How many children of a run are open (``Limits/maxPendingChildren``).
    struct OpenChildrenCount: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT count(*)::bigint FROM reprise.workflow_executions
            WHERE parent_run_id = \(p.bind("uuid") { $0.parentRunId }) AND status IN \(ExecutionsTable.openStatuses)
            """
        }
        typealias Row = Int
        var parentRunId: UUID
    }

    /// A run's open children, in the order it started them, for `describe`.
    struct PendingChildren: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT workflow_id, run_id, workflow_type, parent_initiated_event_id, parent_close_policy FROM reprise.workflow_executions
            WHERE parent_run_id = \(p.bind("uuid") { $0.parentRunId }) AND status IN \(ExecutionsTable.openStatuses)
            ORDER BY parent_initiated_event_id LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = PendingChild
        var parentRunId: UUID
        var limit: Int

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (workflowId, runId, type, initiated, policy) = try row.decode((String, UUID, String, Int64, String?).self)
            return PendingChild(
                workflowId: workflowId, runId: runId, workflowType: type, initiatedEventId: initiated,
                parentClosePolicy: policy.flatMap(ParentClosePolicy.init(rawValue:)) ?? .terminate)
        }
    }
}

/// A child run that is still open, as `describe` lists it.
public struct PendingChild: Sendable, Codable, Hashable {
    public var workflowId: String
    public var runId: UUID
    public var workflowType: String
    /// The parent's `StartChildWorkflowExecutionInitiated` event id.
    public var initiatedEventId: Int64
    public var parentClosePolicy: ParentClosePolicy

    public init(workflowId: String, runId: UUID, workflowType: String, initiatedEventId: Int64, parentClosePolicy: ParentClosePolicy) {
        self.workflowId = workflowId
        self.runId = runId
        self.workflowType = workflowType
        self.initiatedEventId = initiatedEventId
        self.parentClosePolicy = parentClosePolicy
    }
}
