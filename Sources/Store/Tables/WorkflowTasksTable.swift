import Foundation
import PostgresNIO

/// `workflow_tasks`: a run's one pending or running workflow task, queued per (task queue,
/// namespace) and leased by a poll.
enum WorkflowTasksTable {
    /// Queues a run's workflow task unless one is pending; returns a row when it did.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.workflow_tasks (run_id, namespace, task_queue, workflow_type, scheduled_event_id, visible_at)
            VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.namespace }), \(p.bind("text") { $0.taskQueue }),
                \(p.bind("text") { $0.workflowType }), \(p.bind("bigint") { $0.scheduledEventId }), \(p.bind("timestamptz") { $0.visibleAt }))
            ON CONFLICT (run_id) DO NOTHING RETURNING 1
            """
        }
        typealias Row = Int
        var runId: UUID
        var namespace: String
        var taskQueue: String
        var workflowType: String
        var scheduledEventId: Int64
        var visibleAt: Date
    }

    /// Leases up to a limit of ready tasks of a queue in the served namespaces and of the worker's
    /// workflow types, shared fairly among the namespaces (``FairDequeue``); a task whose lease
    /// expired is ready again and names its last holder.
    struct Poll: DescribedStatement {
        static let statement = Statement<Self> { p in
            let now = p.bind("timestamptz") { $0.now }
            let poll = FairDequeue.Poll(
                now: now, queue: p.bind("text") { $0.taskQueue }, namespaces: p.bind("text[]") { try FairDequeue.served($0.namespaces) },
                limit: p.bind("bigint") { $0.limit }, types: p.bind("text[]") { FairDequeue.types($0.workflowTypes) })
            return """
                WITH \(FairDequeue.picked(from: "reprise.workflow_tasks", keys: "run_id", carried: "lease_owner", typeColumn: "workflow_type", ready: "true", poll))
                UPDATE reprise.workflow_tasks t SET visible_at = \(p.bind("timestamptz") { $0.leaseUntil }), lease_owner = \(p.bind("text") { $0.owner }),
                    lease_token = gen_random_uuid()
                FROM picked, reprise.workflow_executions e
                WHERE t.run_id = picked.run_id AND e.run_id = t.run_id
                RETURNING t.run_id, e.namespace, e.workflow_id, e.workflow_type, t.task_queue, t.attempt, t.lease_token,
                    t.scheduled_event_id, e.next_event_id, picked.lease_owner, e.history_bytes, e.trace_context, picked.visible_at
                """
        }
        typealias Row = WorkflowTask
        var now: Date
        var taskQueue: String
        var namespaces: [String]
        var workflowTypes: [String]
        var limit: Int64
        var leaseUntil: Date
        var owner: String

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (runId, namespace, workflowId, type, queue, attempt, token, scheduled, next, expiredOwner, bytes, traceContext, visibleAt) =
                try row.decode((UUID, String, String, String, String, Int, UUID, Int64, Int64, String?, Int64, String?, Date).self)
            return WorkflowTask(
                runId: runId, namespace: namespace, workflowId: workflowId, workflowType: type, taskQueue: queue, attempt: attempt,
                leaseToken: token, scheduledEventId: scheduled, nextEventId: next, expiredLeaseOwner: expiredOwner, historyBytes: bytes,
                traceContext: traceContext, visibleAt: visibleAt)
        }
    }

    /// Deletes a run's task if `leaseToken` still holds it (a completion); a row when it did.
    struct TakeLeased: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            DELETE FROM reprise.workflow_tasks WHERE run_id = \(p.bind("uuid") { $0.runId }) AND lease_token = \(p.bind("uuid") { $0.leaseToken })
            RETURNING 1
            """
        }
        typealias Row = Int
        var runId: UUID
        var leaseToken: UUID
    }

    /// Whether a run's task is leased: a worker runs it now (or its lease expired unanswered).
    struct IsLeased: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT lease_token IS NOT NULL FROM reprise.workflow_tasks WHERE run_id = \(p.bind("uuid") { $0.runId })"
        }
        typealias Row = Bool
        var runId: UUID
    }

    /// Locks a run's task if `leaseToken` still holds it (a failure); a row when it does.
    struct LockLeased: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT 1 FROM reprise.workflow_tasks WHERE run_id = \(p.bind("uuid") { $0.runId }) AND lease_token = \(p.bind("uuid") { $0.leaseToken })
            FOR UPDATE
            """
        }
        typealias Row = Int
        var runId: UUID
        var leaseToken: UUID
    }

    /// Deletes a run's task, whoever holds it (a run that pauses).
    struct Delete: DescribedStatement {
        static let statement = Statement<Self> { p in "DELETE FROM reprise.workflow_tasks WHERE run_id = \(p.bind("uuid") { $0.runId })" }
        typealias Row = Void
        var runId: UUID
    }

    /// Queues a run's failed task for another attempt after its backoff.
    struct Retry: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_tasks SET attempt = attempt + 1, visible_at = \(p.bind("timestamptz") { $0.visibleAt }),
                lease_owner = NULL, lease_token = NULL
            WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = Void
        var runId: UUID
        var visibleAt: Date
    }

    /// Gives a task back, uncounted, if `leaseToken` still holds it; returns its queue when it did.
    struct Release: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_tasks SET visible_at = \(p.bind("timestamptz") { $0.visibleAt }), lease_owner = NULL, lease_token = NULL
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND lease_token = \(p.bind("uuid") { $0.leaseToken }) RETURNING task_queue
            """
        }
        typealias Row = String
        var runId: UUID
        var leaseToken: UUID
        var visibleAt: Date
    }

    /// Queues each run's workflow task unless one is pending, in one statement; returns the runs
    /// it queued a task for.
    struct InsertAll: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.workflow_tasks (run_id, namespace, task_queue, workflow_type, scheduled_event_id, visible_at)
            SELECT * FROM unnest(\(p.bind("uuid[]") { $0.tasks.map(\.runId) }), \(p.bind("text[]") { $0.tasks.map(\.namespace) }),
                \(p.bind("text[]") { $0.tasks.map(\.taskQueue) }), \(p.bind("text[]") { $0.tasks.map(\.workflowType) }),
                \(p.bind("bigint[]") { $0.tasks.map(\.scheduledEventId) }),
                \(p.bind("timestamptz[]") { $0.tasks.map(\.visibleAt) }))
            ON CONFLICT (run_id) DO NOTHING RETURNING run_id
            """
        }
        typealias Row = UUID
        var tasks: [Insert]
    }
}
