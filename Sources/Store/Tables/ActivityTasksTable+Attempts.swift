import Foundation
import PostgresNIO
import Workflow

/// `activity_tasks`' statements on attempts: leasing, heartbeats, retries, cancellation and the
/// reaper's reads.
extension ActivityTasksTable {
    /// Leases up to a limit of ready tasks of a queue in the served namespaces, shared fairly
    /// among them (``FairDequeue``).
    struct Poll: DescribedStatement {
        static let statement = Statement<Self> { p in
            let now = p.bind("timestamptz") { $0.now }
            let poll = FairDequeue.Poll(
                now: now, queue: p.bind("text") { $0.taskQueue }, namespaces: p.bind("text[]") { try FairDequeue.served($0.namespaces) },
                limit: p.bind("bigint") { $0.limit }, types: p.bind("text[]") { FairDequeue.types($0.activityTypes) })
            return """
                WITH \(FairDequeue.picked(
                    from: "reprise.activity_tasks", keys: "run_id, activity_id", typeColumn: "activity_type", ready: "lease_owner IS NULL", poll))
                UPDATE reprise.activity_tasks a SET lease_owner = \(p.bind("text") { $0.owner }), lease_token = gen_random_uuid(), started_at = \(now),
                    lease_expires_at = \(leaseExpiry(started: now, lastAlive: now))
                FROM picked, reprise.workflow_executions e
                WHERE a.run_id = picked.run_id AND a.activity_id = picked.activity_id AND e.run_id = a.run_id
                RETURNING a.run_id, a.activity_id, a.activity_type, a.input::text, a.options::text, a.scheduled_event_id, a.attempt,
                    a.lease_token, a.lease_expires_at, a.namespace, a.workflow_id, a.workflow_type, a.task_queue, a.heartbeat_details::text,
                    e.trace_context, picked.visible_at
                """
        }
        typealias Row = ActivityTask
        var now: Date
        var taskQueue: String
        var namespaces: [String]
        var activityTypes: [String]
        var limit: Int64
        var owner: String

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (
                runId, activityId, type, input, options, scheduledEventId, attempt, token, expires, namespace, workflowId, workflowType, queue, details,
                traceContext, visibleAt
            ) = try row.decode((UUID, String, String, String?, String, Int64, Int, UUID, Date, String, String, String, String, String?, String?, Date).self)
            return ActivityTask(
                runId: runId, activityId: activityId, activityType: type, input: try JSONColumn.decode(Payload.self, from: input),
                options: try JSONColumn.decode(ActivityOptions.self, from: options) ?? ActivityOptions(), scheduledEventId: scheduledEventId,
                attempt: attempt, leaseToken: token, leaseExpiresAt: expires,
                info: ActivityContext.Info(
                    namespace: namespace, workflowId: workflowId, runId: runId.uuidString.lowercased(), workflowType: workflowType,
                    activityId: activityId, activityType: type, taskQueue: queue, attempt: attempt,
                    heartbeatDetails: try JSONColumn.decode(Payload.self, from: details)),
                traceContext: traceContext, visibleAt: visibleAt)
        }
    }

    /// Records a heartbeat if the attempt holds its lease: the details, and the lease extended up to
    /// the attempt's limits. Returns whether the workflow asked for the activity to be canceled.
    struct Heartbeat: DescribedStatement {
        static let statement = Statement<Self> { p in
            let now = p.bind("timestamptz") { $0.now }
            return """
                UPDATE reprise.activity_tasks SET heartbeat_details = COALESCE(\(p.bind("text") { $0.details })::jsonb, heartbeat_details),
                    last_heartbeat_at = \(now), lease_expires_at = \(leaseExpiry(started: "started_at", lastAlive: now))
                WHERE run_id = \(p.bind("uuid") { $0.task.runId }) AND activity_id = \(p.bind("text") { $0.task.activityId })
                    AND lease_token = \(p.bind("uuid") { $0.task.leaseToken })
                RETURNING cancel_requested
                """
        }
        typealias Row = Bool
        var task: ActivityTask
        var details: String?
        var now: Date
    }

    /// Gives an attempt back uncounted, if it holds its lease: visible again at once, with its
    /// last heartbeat details kept. Returns the task's namespace and queue when it did.
    struct Release: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.activity_tasks SET lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, started_at = NULL,
                visible_at = \(p.bind("timestamptz") { $0.now }),
                heartbeat_details = COALESCE(\(p.bind("text") { $0.details })::jsonb, heartbeat_details)
            WHERE run_id = \(p.bind("uuid") { $0.task.runId }) AND activity_id = \(p.bind("text") { $0.task.activityId })
                AND lease_token = \(p.bind("uuid") { $0.task.leaseToken })
            RETURNING namespace, task_queue
            """
        }
        typealias Row = (String, String)
        var task: ActivityTask
        var details: String?
        var now: Date

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Keeps an attempt's last heartbeat details, so that the next attempt resumes from them.
    struct SaveHeartbeatDetails: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.activity_tasks SET heartbeat_details = \(p.bind("text") { $0.details })::jsonb
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND activity_id = \(p.bind("text") { $0.activityId })
            """
        }
        typealias Row = Void
        var runId: UUID
        var activityId: String
        var details: String
    }

    /// Queues the next attempt after a failed one, visible after its backoff.
    struct Retry: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.activity_tasks SET attempt = attempt + 1, visible_at = \(p.bind("timestamptz") { $0.visibleAt }), lease_owner = NULL,
                lease_token = NULL, lease_expires_at = NULL, started_at = NULL, last_failure = \(p.bind("text") { $0.failure })::jsonb,
                schedule_to_start_deadline = \(p.bind("timestamptz") { $0.scheduleToStartDeadline })
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND activity_id = \(p.bind("text") { $0.activityId })
            """
        }
        typealias Row = Void
        var runId: UUID
        var activityId: String
        var visibleAt: Date
        var failure: String
        var scheduleToStartDeadline: Date?
    }

    /// Deletes an activity's row: the activity ended.
    struct Delete: DescribedStatement {
        static let statement = Statement<Self> { p in
            "DELETE FROM reprise.activity_tasks WHERE run_id = \(p.bind("uuid") { $0.runId }) AND activity_id = \(p.bind("text") { $0.activityId })"
        }
        typealias Row = Void
        var runId: UUID
        var activityId: String
    }

    /// Marks the activity of a `ActivityTaskScheduled` event as asked to cancel; returns whether
    /// it had not started (no lease), so that it can be canceled at once.
    struct RequestCancel: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.activity_tasks SET cancel_requested = true
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND scheduled_event_id = \(p.bind("bigint") { $0.scheduledEventId })
            RETURNING activity_id, lease_owner IS NULL
            """
        }
        typealias Row = (String, Bool)
        var runId: UUID
        var scheduledEventId: Int64

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// How many activities a run has pending: queued, running or dead-lettered (as `describe`
    /// lists them).
    struct PendingCount: DescribedStatement {
        static let statement = Statement<Self> { p in
            let runId = p.bind("uuid") { $0.runId }
            return """
                SELECT (SELECT count(*) FROM reprise.activity_tasks WHERE run_id = \(runId))::int
                    + (SELECT count(*) FROM reprise.dead_letters WHERE run_id = \(runId) AND state = '\(DeadLetterState.pending.rawValue)')::int
                """
        }
        typealias Row = Int
        var runId: UUID
    }

    /// Activities whose limits passed: an expired lease (start-to-close or heartbeat), or a passed
    /// schedule-to-start or schedule-to-close deadline.
    struct Overdue: DescribedStatement {
        static let statement = Statement<Self> { p in
            let now = p.bind("timestamptz") { $0.now }
            return """
                SELECT run_id, activity_id FROM reprise.activity_tasks
                WHERE (lease_owner IS NOT NULL AND lease_expires_at <= \(now))
                   OR (lease_owner IS NULL AND schedule_to_start_deadline <= \(now))
                   OR schedule_to_close_deadline <= \(now)
                LIMIT \(p.bind("bigint") { $0.limit })
                """
        }
        typealias Row = (UUID, String)
        var now: Date
        var limit: Int64

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks an activity's row, whoever holds it, with its deadlines: the lease expiry, the
    /// schedule-to-start deadline, and whether the lease was last bounded by a heartbeat timeout.
    struct LockWithDeadlines: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(ActivityRow.columns), lease_expires_at, schedule_to_start_deadline, (options->>'heartbeatTimeout') IS NOT NULL
                AND lease_expires_at < started_at + COALESCE((options->>'startToCloseTimeout')::float8, 1e9) * interval '1 second'
            FROM reprise.activity_tasks WHERE run_id = \(p.bind("uuid") { $0.runId }) AND activity_id = \(p.bind("text") { $0.activityId }) FOR UPDATE
            """
        }
        typealias Row = (row: ActivityRow, leaseExpiry: Date?, startDeadline: Date?, heartbeatBound: Bool?)
        var runId: UUID
        var activityId: String

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (runId, activityId, type, queue, input, options, scheduled, scheduledAt, attempt, owner, details, closeDeadline, expiry, start, bound) =
                try row.decode(
                    (UUID, String, String, String, String?, String, Int64, Date, Int, String?, String?, Date?, Date?, Date?, Bool?).self)
            let activity = try ActivityRow(
                (runId, activityId, type, queue, input, options, scheduled, scheduledAt, attempt, owner, details, closeDeadline))
            return (activity, expiry, start, bound)
        }
    }
}
