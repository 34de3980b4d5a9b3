import Foundation
import PostgresNIO
import Workflow

/// `activity_tasks`: one row per scheduled activity until it ends, queued or leased to a worker.
/// An attempt's writes are fenced by its run, activity, attempt and lease token.
enum ActivityTasksTable {
    /// The columns an insert fills (the scheduling time fills both `scheduled_at` and `visible_at`).
    static let insertedColumns = """
        run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
        scheduled_event_id, scheduled_at, visible_at, schedule_to_start_deadline, schedule_to_close_deadline,
        lease_owner, lease_token, started_at, lease_expires_at
        """

    /// An attempt's lease expiry: start-to-close from the attempt's start, shortened to the
    /// heartbeat timeout from its last sign of life and to the schedule-to-close deadline (`LEAST`
    /// ignores the ones not set). A poll starts the attempt at its own time; a heartbeat extends the
    /// lease from its time. ``Store/activityTaskRow(_:eventId:run:leasedTo:at:)`` computes the same
    /// in Swift for a row leased as it is inserted.
    static func leaseExpiry(started: String, lastAlive: String) -> String {
        """
        LEAST(
            \(started) + (options->>'startToCloseTimeout')::float8 * interval '1 second',
            \(lastAlive) + (options->>'heartbeatTimeout')::float8 * interval '1 second',
            schedule_to_close_deadline)
        """
    }

    /// The fence of an attempt: its row, if the attempt still holds its lease.
    private static func fence(_ p: inout SQLParameters<ActivityTask>) -> String {
        """
        run_id = \(p.bind("uuid") { $0.runId }) AND activity_id = \(p.bind("text") { $0.activityId })
            AND attempt = \(p.bind("bigint") { $0.attempt }) AND lease_token = \(p.bind("uuid") { $0.leaseToken })
        """
    }

    /// Locks an activity row if the attempt still holds its lease.
    struct LockLeased: PostgresPreparedStatement {
        static let statement = Statement<ActivityTask> { p in
            "SELECT \(ActivityRow.columns) FROM reprise.activity_tasks WHERE \(fence(&p)) FOR UPDATE"
        }
        static var sql: String { statement.sql }
        typealias Row = ActivityRow.Columns
        var task: ActivityTask

        func makeBindings() throws -> PostgresBindings { try Self.statement.bindings(for: task) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Deletes an activity row if the attempt still holds its lease: the attempt's last word on it.
    struct TakeLeased: PostgresPreparedStatement {
        static let statement = Statement<ActivityTask> { p in
            "DELETE FROM reprise.activity_tasks WHERE \(fence(&p)) RETURNING \(ActivityRow.columns)"
        }
        static var sql: String { statement.sql }
        typealias Row = ActivityRow.Columns
        var task: ActivityTask

        func makeBindings() throws -> PostgresBindings { try Self.statement.bindings(for: task) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Inserts an activity task, queued or (with a lease) already leased to a worker.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            let now = p.bind("timestamptz") { $0.now }
            return """
                INSERT INTO reprise.activity_tasks (\(insertedColumns))
                VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.activityId }), \(p.bind("text") { $0.namespace }),
                    \(p.bind("text") { $0.workflowId }), \(p.bind("text") { $0.workflowType }), \(p.bind("text") { $0.taskQueue }),
                    \(p.bind("text") { $0.activityType }), \(p.bind("text") { $0.input })::jsonb, \(p.bind("text") { $0.options })::jsonb,
                    \(p.bind("bigint") { $0.scheduledEventId }), \(now), \(now), \(p.bind("timestamptz") { $0.scheduleToStartDeadline }),
                    \(p.bind("timestamptz") { $0.scheduleToCloseDeadline }), \(p.bind("text") { $0.leaseOwner }),
                    \(p.bind("uuid") { $0.leaseToken }), \(p.bind("timestamptz") { $0.startedAt }), \(p.bind("timestamptz") { $0.leaseExpiresAt }))
                """
        }
        typealias Row = Void
        var runId: UUID
        var activityId: String
        var namespace: String
        var workflowId: String
        var workflowType: String
        var taskQueue: String
        var activityType: String
        var input: String?
        var options: String
        var scheduledEventId: Int64
        var now: Date
        var scheduleToStartDeadline: Date?
        var scheduleToCloseDeadline: Date?
        var leaseOwner: String?
        var leaseToken: UUID?
        var startedAt: Date?
        var leaseExpiresAt: Date?
    }

    /// Inserts rows already leased to the worker that scheduled them, bound as arrays for
    /// `unnest`, as `n`; the caller may add a `WHERE` on `n.run_id`. Each row must be leased
    /// (``leased(_:)``): an unleased row goes through ``Insert``.
    static func insertLeased<Input>(_ p: inout SQLParameters<Input>, _ rows: @escaping @Sendable (Input) throws -> [Insert]) -> String {
        func array<Value: PostgresArrayEncodable & Sendable>(_ type: String, _ value: @escaping @Sendable (Insert) -> Value) -> String {
            p.bind("\(type)[]") { try leased(rows($0)).map(value) }
        }
        return """
            INSERT INTO reprise.activity_tasks (\(insertedColumns))
            SELECT n.run_id, n.activity_id, n.namespace, n.workflow_id, n.workflow_type, n.task_queue, n.activity_type,
                NULLIF(n.input, '')::jsonb, n.options::jsonb, n.scheduled_event_id, n.now, n.now, NULLIF(n.start_deadline, 'epoch'),
                NULLIF(n.close_deadline, 'epoch'), n.lease_owner, n.lease_token, n.now, n.lease_expires_at
            FROM unnest(\(array("uuid") { $0.runId }), \(array("text") { $0.activityId }), \(array("text") { $0.namespace }),
                \(array("text") { $0.workflowId }), \(array("text") { $0.workflowType }), \(array("text") { $0.taskQueue }),
                \(array("text") { $0.activityType }), \(array("text") { $0.input ?? "" }), \(array("text") { $0.options }),
                \(array("bigint") { $0.scheduledEventId }), \(array("timestamptz") { $0.now }),
                \(array("timestamptz") { $0.scheduleToStartDeadline ?? noTime }), \(array("timestamptz") { $0.scheduleToCloseDeadline ?? noTime }),
                \(array("text") { $0.leaseOwner ?? "" }), \(array("uuid") { $0.leaseToken ?? UUID() }),
                \(array("timestamptz") { $0.leaseExpiresAt ?? noTime }))
                AS n(run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
                    scheduled_event_id, now, start_deadline, close_deadline, lease_owner, lease_token, lease_expires_at)
            """
    }

    /// The rows, when each is leased (its lease columns set).
    private static func leased(_ rows: [Insert]) throws -> [Insert] {
        guard rows.allSatisfy({ $0.leaseOwner != nil && $0.leaseToken != nil && $0.leaseExpiresAt != nil }) else {
            throw StoreError(.invalidArgument, "an activity written in a batch must be leased to the worker that scheduled it")
        }
        return rows
    }
}

/// The columns of an activity task that transitions need, read under the run's lock.
struct ActivityRow: Sendable {
    var runId: UUID
    var activityId: String
    var activityType: String
    var taskQueue: String
    var input: Payload?
    var options: ActivityOptions
    var scheduledEventId: Int64
    var scheduledAt: Date
    var attempt: Int
    var leaseOwner: String?
    var heartbeatDetails: Payload?
    var scheduleToCloseDeadline: Date?

    static let columns = """
        run_id, activity_id, activity_type, task_queue, input::text, options::text, scheduled_event_id, scheduled_at, attempt,
        lease_owner, heartbeat_details::text, schedule_to_close_deadline
        """

    typealias Columns = (UUID, String, String, String, String?, String, Int64, Date, Int, String?, String?, Date?)

    static func decode(_ rows: PostgresRowSequence) async throws -> [ActivityRow] {
        var result: [ActivityRow] = []
        for try await columns in rows.decode(Columns.self) { result.append(try ActivityRow(columns)) }
        return result
    }

    /// A row from its ``columns``.
    init(_ columns: Columns) throws {
        let (runId, activityId, type, queue, input, options, scheduled, scheduledAt, attempt, owner, details, deadline) = columns
        self.init(
            runId: runId, activityId: activityId, activityType: type, taskQueue: queue, input: try JSONColumn.decode(Payload.self, from: input),
            options: try JSONColumn.decode(ActivityOptions.self, from: options) ?? ActivityOptions(), scheduledEventId: scheduled,
            scheduledAt: scheduledAt, attempt: attempt, leaseOwner: owner, heartbeatDetails: try JSONColumn.decode(Payload.self, from: details),
            scheduleToCloseDeadline: deadline)
    }

    init(
        runId: UUID, activityId: String, activityType: String, taskQueue: String, input: Payload?, options: ActivityOptions,
        scheduledEventId: Int64, scheduledAt: Date, attempt: Int, leaseOwner: String?, heartbeatDetails: Payload?,
        scheduleToCloseDeadline: Date?
    ) {
        self.runId = runId
        self.activityId = activityId
        self.activityType = activityType
        self.taskQueue = taskQueue
        self.input = input
        self.options = options
        self.scheduledEventId = scheduledEventId
        self.scheduledAt = scheduledAt
        self.attempt = attempt
        self.leaseOwner = leaseOwner
        self.heartbeatDetails = heartbeatDetails
        self.scheduleToCloseDeadline = scheduleToCloseDeadline
    }
}
