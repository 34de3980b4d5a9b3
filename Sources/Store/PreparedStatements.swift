import Foundation
import PostgresNIO
import Workflow

/// The hot path's statements, prepared once per connection, so that Postgres parses and plans
/// them once rather than on every transition: parse and plan were ~40% of its CPU per step.
///
/// A statement's parameter types are fixed when a connection first runs it, from that first
/// run's bindings; a NULL binding carries no type. So every parameter that may be NULL is cast
/// in the SQL (`$4::text::jsonb`, `$8::timestamptz`): without the cast, a NULL first run left
/// `$4::jsonb` typed `jsonb`, and every later text value was refused.
/// The batched hot-path statements' SQL, for the benchmark to show their plans on grown tables.
package enum HotPathStatements {
    /// Name, SQL, and the number of parameters.
    package static var all: [(name: String, sql: String, parameters: Int)] {
        [("step (Prepared.CompleteSteps)", Prepared.CompleteSteps.sql), ("start (Prepared.StartRuns)", Prepared.StartRuns.sql)].map { name, sql in
            (name, sql, sql.matches(of: /\$(\d+)/).compactMap { Int($0.1) }.max() ?? 0)
        }
    }
}

enum Prepared {
    /// Locks a run's execution row (every transition's first statement).
    struct LockRun: PostgresPreparedStatement {
        static let sql = """
            SELECT namespace, workflow_id, workflow_type, task_queue, status, next_event_id, cancel_requested, history_bytes
            FROM workflow_executions WHERE run_id = $1 FOR UPDATE
            """
        typealias Row = LockedRun.Columns
        var runId: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks an activity row if the attempt still holds its lease.
    struct LockLeasedActivity: PostgresPreparedStatement {
        static let sql = """
            SELECT \(ActivityRow.columns) FROM activity_tasks
            WHERE run_id = $1 AND activity_id = $2 AND attempt = $3 AND lease_token = $4 FOR UPDATE
            """
        typealias Row = ActivityRow.Columns
        var task: ActivityTask

        func makeBindings() throws -> PostgresBindings { task.fenceBindings }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Deletes an activity row if the attempt still holds its lease: the attempt's last word on it.
    struct TakeLeasedActivity: PostgresPreparedStatement {
        static let sql = """
            DELETE FROM activity_tasks WHERE run_id = $1 AND activity_id = $2 AND attempt = $3 AND lease_token = $4
            RETURNING \(ActivityRow.columns)
            """
        typealias Row = ActivityRow.Columns
        var task: ActivityTask

        func makeBindings() throws -> PostgresBindings { task.fenceBindings }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Appends a run's events and advances its `next_event_id`, in one round trip (the events bound
    /// as ``RunEvents`` binds them).
    struct AppendEvents: PostgresPreparedStatement {
        static let sql = """
            WITH appended AS (
                \(RunEvents.insert(from: 3))
            )
            UPDATE workflow_executions SET next_event_id = $2::bigint WHERE run_id = $1::uuid
            """
        typealias Row = Void
        var runId: UUID
        var nextEventId: Int64
        var events: [HistoryEvent]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(nextEventId)
            try RunEvents.append(events.map { (runId, $0) }, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Inserts an activity task, queued or (with a lease) already leased to a worker.
    struct InsertActivityTask: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO activity_tasks (\(columns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb, $10, $11, $11, $12::timestamptz, $13::timestamptz,
                $14::text, $15::uuid, $16::timestamptz, $17::timestamptz)
            """

        /// The row's columns, for this statement and the ones that insert the row among others
        /// (the scheduling time fills both `scheduled_at` and `visible_at`).
        static let columns = """
            run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
            scheduled_event_id, scheduled_at, visible_at, schedule_to_start_deadline, schedule_to_close_deadline,
            lease_owner, lease_token, started_at, lease_expires_at
            """

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

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(activityId)
            bindings.append(namespace)
            bindings.append(workflowId)
            bindings.append(workflowType)
            bindings.append(taskQueue)
            bindings.append(activityType)
            bindings.append(input)
            bindings.append(options)
            bindings.append(scheduledEventId)
            bindings.append(now)
            bindings.append(scheduleToStartDeadline)
            bindings.append(scheduleToCloseDeadline)
            bindings.append(leaseOwner)
            bindings.append(leaseToken)
            bindings.append(startedAt)
            bindings.append(leaseExpiresAt)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Whole steps in one round trip and one commit (design §11), each an activity's completion,
    /// the inline workflow task's events, and either the next activity row, leased to the
    /// completing worker, or the run's close. The steps are independent: each writes only if its
    /// run is where the worker's cache left it (`run`) and its attempt still holds its lease
    /// (`taken`), and every write hangs off `taken`. Returns, per step in order, whether each of
    /// the two held: (false, false) the run moved on, closed or reached ``Limits/maxHistoryBytes``
    /// (`$34`; the longer path then fails it), (true, false) the lease was lost.
    /// A close deletes the run's task rows and timers and NOTIFYs `Channel.runClosed`, as
    /// ``CloseRun`` does.
    ///
    /// Every column is bound as an array, for `unnest` (see ``noTime``).
    struct CompleteSteps: PostgresPreparedStatement {
        static let sql = """
            WITH step AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::uuid[], $5::bigint[], $6::bigint[], $7::text[])
                    WITH ORDINALITY AS s(run_id, activity_id, attempt, lease_token, expected_event_id, next_event_id, task_queue, n)
            ), run AS (
                -- Locked per step by primary key, in run-id order (the order the timer service locks
                -- in), and checked after; OFFSET 0 keeps the checks out of the lookup. With them in
                -- it, or as a join, the planner could read every open run's entry in the partial
                -- open-run index instead.
                SELECT w.run_id FROM (SELECT * FROM step ORDER BY run_id) s CROSS JOIN LATERAL (
                    SELECT run_id, next_event_id, status, task_queue, history_bytes FROM workflow_executions WHERE run_id = s.run_id OFFSET 0 FOR UPDATE
                ) w
                WHERE w.next_event_id = s.expected_event_id AND w.status = 'Running' AND w.task_queue = s.task_queue
                    AND w.history_bytes < $34::bigint
            ), taken AS (
                DELETE FROM activity_tasks a USING step s
                WHERE a.run_id = s.run_id AND a.activity_id = s.activity_id AND a.attempt = s.attempt AND a.lease_token = s.lease_token
                    AND a.run_id IN (SELECT run_id FROM run)
                RETURNING a.run_id
            ), appended AS (
                \(RunEvents.insert(from: 8)) WHERE e.run_id IN (SELECT run_id FROM taken)
            ), closing AS (
                \(Closes.select(from: 29)) WHERE c.run_id IN (SELECT run_id FROM taken)
            ), advanced AS (
                UPDATE workflow_executions w SET next_event_id = s.next_event_id, status = COALESCE(c.status, w.status),
                    close_time = COALESCE(c.close_time, w.close_time), result = COALESCE(c.result, w.result),
                    failure = COALESCE(c.failure, w.failure)
                FROM step s LEFT JOIN closing c ON c.run_id = s.run_id
                WHERE w.run_id = s.run_id AND w.run_id IN (SELECT run_id FROM taken)
            ), leased AS (
                \(LeasedActivities.insert(from: 13)) WHERE n.run_id IN (SELECT run_id FROM taken)
            ), closed_activities AS (
                DELETE FROM activity_tasks WHERE run_id IN (SELECT run_id FROM closing)
            ), closed_workflow_tasks AS (
                DELETE FROM workflow_tasks WHERE run_id IN (SELECT run_id FROM closing)
            ), closed_timers AS (
                DELETE FROM timers WHERE run_id IN (SELECT run_id FROM closing)
            )
            SELECT s.run_id IN (SELECT run_id FROM run), s.run_id IN (SELECT run_id FROM taken),
                (SELECT count(pg_notify('\(Channel.runClosed)', run_id::text)::text) FROM closing)
            FROM step s ORDER BY s.n
            """
        typealias Row = Held

        /// Whether a step's run was where the worker's cache left it, and its attempt held its lease.
        struct Held: Sendable, Equatable {
            var run: Bool
            var lease: Bool
        }

        /// One step: the completed attempt and what its inline workflow task wrote.
        struct Step: Sendable {
            var task: ActivityTask
            var expectedNextEventId: Int64
            var taskQueue: String
            /// From the activity's `ActivityTaskStarted` to the workflow task's last command event.
            var events: [HistoryEvent]
            /// The next activity's row, leased to the completing worker (its lease columns are set).
            var nextActivity: InsertActivityTask?
            /// The run's close, when the workflow task ended it (its `runId` is not bound).
            var close: CloseRun?
        }

        var steps: [Step]
        var maxHistoryBytes: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(steps.map(\.task.runId))
            bindings.append(steps.map(\.task.activityId))
            bindings.append(steps.map(\.task.attempt))
            bindings.append(steps.map(\.task.leaseToken))
            bindings.append(steps.map(\.expectedNextEventId))
            bindings.append(steps.map { $0.expectedNextEventId + Int64($0.events.count) })
            bindings.append(steps.map(\.taskQueue))
            try RunEvents.append(steps.flatMap { step in step.events.map { (step.task.runId, $0) } }, to: &bindings)
            try LeasedActivities.append(steps.compactMap(\.nextActivity), to: &bindings)
            Closes.append(steps.compactMap { step in step.close.map { (step.task.runId, $0) } }, to: &bindings)
            bindings.append(maxHistoryBytes)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (run, lease, _) = try row.decode((Bool, Bool, Int).self)
            return Held(run: run, lease: lease)
        }
    }

    /// Starts in one round trip and one commit: each the run, its first events and its first
    /// workflow task, unless its namespace is unknown or its workflow id has an open run; then
    /// nothing is written for it. Returns per start, in order, the new run's id, or else the
    /// open run's id, and whether the namespace exists.
    ///
    /// With a ``FirstTask`` (an eager start) the events go on through that task's completion, no
    /// task row is queued, and the run either has its first activity leased to the starting
    /// worker or is closed at once (and `Channel.runClosed` told). Every column is bound as an
    /// array, for `unnest` (see ``noTime``).
    struct StartRuns: PostgresPreparedStatement {
        static let sql = """
            WITH start AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                    $8::timestamptz[], $9::text[], $10::text[], $11::bigint[], $12::bool[], $13::text[])
                    WITH ORDINALITY AS s(run_id, namespace, workflow_id, workflow_type, task_queue, input, start_time, execution_deadline,
                        search_attributes, memo, next_event_id, eager, channel, n)
            ), namespace AS (
                SELECT name FROM namespaces WHERE name IN (SELECT namespace FROM start)
            ), open AS (
                -- Looked up per start by the open-run index: as a join, the planner could read all of it.
                SELECT w.run_id, w.namespace, w.workflow_id FROM start s CROSS JOIN LATERAL (
                    SELECT run_id, namespace, workflow_id FROM workflow_executions
                    WHERE namespace = s.namespace AND workflow_id = s.workflow_id AND status IN ('Running', 'Paused') FOR UPDATE
                ) w
            ), closing AS (
                \(Closes.select(from: 35))
            ), run AS (
                INSERT INTO workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                    start_time, execution_deadline, next_event_id, search_attributes, memo, close_time, result, failure)
                SELECT s.run_id, s.namespace, s.workflow_id, s.workflow_type, s.task_queue, COALESCE(c.status, 'Running'),
                    NULLIF(s.input, '')::jsonb, s.start_time, NULLIF(s.execution_deadline, 'epoch'), s.next_event_id,
                    NULLIF(s.search_attributes, '')::jsonb, NULLIF(s.memo, '')::jsonb, c.close_time, c.result, c.failure
                FROM start s LEFT JOIN closing c ON c.run_id = s.run_id
                WHERE s.namespace IN (SELECT name FROM namespace)
                    AND NOT EXISTS (SELECT FROM open o WHERE o.namespace = s.namespace AND o.workflow_id = s.workflow_id)
                RETURNING run_id
            ), appended AS (
                \(RunEvents.insert(from: 14)) WHERE e.run_id IN (SELECT run_id FROM run)
            ), task AS (
                INSERT INTO workflow_tasks (run_id, namespace, task_queue, scheduled_event_id, visible_at)
                SELECT s.run_id, s.namespace, s.task_queue, s.next_event_id - 1, s.start_time FROM start s
                WHERE NOT s.eager AND s.run_id IN (SELECT run_id FROM run)
            ), leased AS (
                \(LeasedActivities.insert(from: 19)) WHERE n.run_id IN (SELECT run_id FROM run)
            )
            SELECT COALESCE(r.run_id, o.run_id), s.namespace IN (SELECT name FROM namespace),
                (SELECT count(pg_notify(t.channel, '')::text) FROM start t WHERE NOT t.eager AND t.run_id IN (SELECT run_id FROM run)),
                (SELECT count(pg_notify('\(Channel.runClosed)', c.run_id::text)::text) FROM closing c WHERE c.run_id IN (SELECT run_id FROM run))
            FROM start s LEFT JOIN run r ON r.run_id = s.run_id
                LEFT JOIN (SELECT DISTINCT run_id, namespace, workflow_id FROM open) o ON o.namespace = s.namespace AND o.workflow_id = s.workflow_id
            ORDER BY s.n
            """
        typealias Row = Answer

        /// The run a start resolved to: the new one, or an open one of the same workflow id
        /// (nil when the namespace does not exist).
        struct Answer: Sendable, Equatable {
            var runId: UUID?
            var namespaceExists: Bool
        }

        /// The first workflow task's writes besides its events: the activity it leases to the
        /// starting worker, or the run's close (whose `runId` is not bound).
        struct FirstTask: Sendable {
            var nextActivity: InsertActivityTask?
            var close: CloseRun?
        }

        /// One start.
        struct Start: Sendable {
            var run: InsertRun
            /// The run's first events, numbered from 1; all at the start time.
            var events: [HistoryEvent]
            var channel: String
            var firstTask: FirstTask?
        }

        var starts: [Start]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            let runs = starts.map(\.run)
            bindings.append(runs.map(\.runId))
            bindings.append(runs.map(\.namespace))
            bindings.append(runs.map(\.workflowId))
            bindings.append(runs.map(\.workflowType))
            bindings.append(runs.map(\.taskQueue))
            bindings.append(runs.map { $0.input ?? "" })
            bindings.append(runs.map(\.startTime))
            bindings.append(runs.map { $0.executionDeadline ?? noTime })
            bindings.append(runs.map { $0.searchAttributes ?? "" })
            bindings.append(runs.map { $0.memo ?? "" })
            bindings.append(starts.map { Int64($0.events.count) + 1 })
            bindings.append(starts.map { $0.firstTask != nil })
            bindings.append(starts.map(\.channel))
            try RunEvents.append(starts.flatMap { start in start.events.map { (start.run.runId, $0) } }, to: &bindings)
            try LeasedActivities.append(starts.compactMap { $0.firstTask?.nextActivity }, to: &bindings)
            Closes.append(starts.compactMap { start in start.firstTask?.close.map { (start.run.runId, $0) } }, to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (runId, namespaceExists, _, _) = try row.decode((UUID?, Bool, Int, Int).self)
            return Answer(runId: runId, namespaceExists: namespaceExists)
        }
    }

    /// The history events that batched statements append, of several runs: bound as five arrays,
    /// for `unnest`; the attributes as `{"attributes": …}` text (``HistoryEvent/wrappedAttributesJSON()``).
    enum RunEvents {
        /// The insert, from the arrays bound at `$first` on, as `e`; the caller adds a `WHERE`.
        static func insert(from first: Int) -> String {
            """
            INSERT INTO history_events (run_id, event_id, event_type, event_time, attributes)
            SELECT e.run_id, e.id, e.type, e.time, e.attributes::jsonb -> 'attributes'
            FROM unnest($\(first)::uuid[], $\(first + 1)::bigint[], $\(first + 2)::text[], $\(first + 3)::timestamptz[], $\(first + 4)::text[])
                AS e(run_id, id, type, time, attributes)
            """
        }

        static func append(_ events: [(runId: UUID, event: HistoryEvent)], to bindings: inout PostgresBindings) throws {
            bindings.append(events.map(\.runId))
            bindings.append(events.map(\.event.eventId))
            bindings.append(events.map(\.event.eventType.rawValue))
            bindings.append(events.map(\.event.eventTime))
            bindings.append(try events.map { try $0.event.wrappedAttributesJSON() })
        }
    }

    /// The activity rows that batched statements insert already leased to the worker that
    /// scheduled them (``CompleteSteps``, ``StartRuns``): bound as 16 arrays, for `unnest`.
    enum LeasedActivities {
        /// The insert, from the arrays bound at `$first` on, as `n`; the caller adds a `WHERE`.
        static func insert(from first: Int) -> String {
            let types = ["uuid", "text", "text", "text", "text", "text", "text", "text", "text", "bigint", "timestamptz", "timestamptz",
                "timestamptz", "text", "uuid", "timestamptz"]
            let arrays = types.enumerated().map { "$\(first + $0.offset)::\($0.element)[]" }.joined(separator: ", ")
            return """
                INSERT INTO activity_tasks (\(InsertActivityTask.columns))
                SELECT n.run_id, n.activity_id, n.namespace, n.workflow_id, n.workflow_type, n.task_queue, n.activity_type,
                    NULLIF(n.input, '')::jsonb, n.options::jsonb, n.scheduled_event_id, n.now, n.now, NULLIF(n.start_deadline, 'epoch'),
                    NULLIF(n.close_deadline, 'epoch'), n.lease_owner, n.lease_token, n.now, n.lease_expires_at
                FROM unnest(\(arrays))
                    AS n(run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
                        scheduled_event_id, now, start_deadline, close_deadline, lease_owner, lease_token, lease_expires_at)
                """
        }

        /// Binds the rows; each must be leased (its lease columns set).
        static func append(_ rows: [InsertActivityTask], to bindings: inout PostgresBindings) throws {
            guard rows.allSatisfy({ $0.leaseOwner != nil && $0.leaseToken != nil && $0.leaseExpiresAt != nil }) else {
                throw StoreError(.invalidArgument, "an activity written in a batch must be leased to the worker that scheduled it")
            }
            bindings.append(rows.map(\.runId))
            bindings.append(rows.map(\.activityId))
            bindings.append(rows.map(\.namespace))
            bindings.append(rows.map(\.workflowId))
            bindings.append(rows.map(\.workflowType))
            bindings.append(rows.map(\.taskQueue))
            bindings.append(rows.map(\.activityType))
            bindings.append(rows.map { $0.input ?? "" })
            bindings.append(rows.map(\.options))
            bindings.append(rows.map(\.scheduledEventId))
            bindings.append(rows.map(\.now))
            bindings.append(rows.map { $0.scheduleToStartDeadline ?? noTime })
            bindings.append(rows.map { $0.scheduleToCloseDeadline ?? noTime })
            bindings.append(rows.map { $0.leaseOwner! })
            bindings.append(rows.map { $0.leaseToken! })
            bindings.append(rows.map { $0.leaseExpiresAt! })
        }
    }

    /// The runs that batched statements close (``CompleteSteps``, ``StartRuns``): bound as five
    /// arrays, for `unnest`.
    enum Closes {
        /// The closes, from the arrays bound at `$first` on, as `c(run_id, status, close_time,
        /// result, failure)`.
        static func select(from first: Int) -> String {
            """
            SELECT c.run_id, c.status, c.close_time, NULLIF(c.result, '')::jsonb AS result, NULLIF(c.failure, '')::jsonb AS failure
            FROM unnest($\(first)::uuid[], $\(first + 1)::text[], $\(first + 2)::timestamptz[], $\(first + 3)::text[], $\(first + 4)::text[])
                AS c(run_id, status, close_time, result, failure)
            """
        }

        static func append(_ closes: [(runId: UUID, close: CloseRun)], to bindings: inout PostgresBindings) {
            bindings.append(closes.map(\.runId))
            bindings.append(closes.map(\.close.status))
            bindings.append(closes.map(\.close.closeTime))
            bindings.append(closes.map { $0.close.result ?? "" })
            bindings.append(closes.map { $0.close.failure ?? "" })
        }
    }

    /// The time that batched statements bind for an absent one (PostgresNIO's arrays hold no
    /// NULL); the SQL reads it back as NULL, as it reads an absent text bound as `''`. No
    /// payload is empty JSON, and no deadline falls in 1970.
    static let noTime = Date(timeIntervalSince1970: 0)

    /// Closes a run: its status and outcome, and every task row it still has; tells the waiting
    /// history long-polls (`Channel.runClosed`, with the run id) once the transaction commits.
    struct CloseRun: PostgresPreparedStatement {
        static let sql = """
            WITH closed AS (
                UPDATE workflow_executions SET status = $2, close_time = $3, result = $4::text::jsonb, failure = $5::text::jsonb
                WHERE run_id = $1
            ), workflow_task AS (
                DELETE FROM workflow_tasks WHERE run_id = $1
            ), activities AS (
                DELETE FROM activity_tasks WHERE run_id = $1
            ), timers AS (
                DELETE FROM timers WHERE run_id = $1
            )
            SELECT pg_notify('\(Channel.runClosed)', $1::text)::text
            """
        typealias Row = Void
        var runId: UUID
        var status: String
        var closeTime: Date
        var result: String?
        var failure: String?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(status)
            bindings.append(closeTime)
            bindings.append(result)
            bindings.append(failure)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Queues a run's workflow task unless one is pending; returns a row when it did.
    struct InsertWorkflowTask: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO workflow_tasks (run_id, task_queue, scheduled_event_id, visible_at, namespace) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (run_id) DO NOTHING RETURNING 1
            """
        typealias Row = Int
        var runId: UUID
        var namespace: String
        var taskQueue: String
        var scheduledEventId: Int64
        var visibleAt: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(taskQueue)
            bindings.append(scheduledEventId)
            bindings.append(visibleAt)
            bindings.append(namespace)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
    }

    /// Wakes the listeners of a channel once the transaction commits.
    struct Notify: PostgresPreparedStatement {
        static let sql = "SELECT pg_notify($1, '')::text"
        typealias Row = Void
        var channel: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(channel)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// A run's events after an event id, in order.
    struct ReadHistory: PostgresPreparedStatement {
        static let sql = """
            SELECT \(eventColumns) FROM history_events WHERE run_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3
            """
        typealias Row = EventColumns
        var runId: UUID
        var afterEventId: Int64
        /// At most this many; nil (`LIMIT NULL`) reads them all.
        var limit: Int64?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(afterEventId)
            bindings.append(limit)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The next event id of each of several runs.
    struct NextEventIds: PostgresPreparedStatement {
        static let sql = "SELECT run_id, next_event_id FROM workflow_executions WHERE run_id = ANY($1)"
        typealias Row = (UUID, Int64)
        var runIds: [UUID]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runIds)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A run's last event.
    struct ReadLastEvent: PostgresPreparedStatement {
        static let sql = """
            SELECT \(eventColumns) FROM history_events WHERE run_id = $1 ORDER BY event_id DESC LIMIT 1
            """
        typealias Row = EventColumns
        var runId: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The columns a history read returns: id, time, attributes as text, type.
    static let eventColumns = "event_id, event_time, attributes::text, event_type"
    typealias EventColumns = (Int64, Date, String, String)

    /// A workflow's given run (`$3`), or else its open run, or else its latest: id and status.
    struct RunStatus: PostgresPreparedStatement {
        static let sql = """
            SELECT run_id, status FROM workflow_executions
            WHERE namespace = $1 AND workflow_id = $2 AND ($3::uuid IS NULL OR run_id = $3::uuid)
            ORDER BY (status IN ('Running', 'Paused')) DESC, start_time DESC LIMIT 1
            """
        typealias Row = (UUID, String)
        var namespace: String
        var workflowId: String
        var runId: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(namespace)
            bindings.append(workflowId)
            bindings.append(runId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Whether a namespace exists.
    struct NamespaceExists: PostgresPreparedStatement {
        static let sql = "SELECT 1 FROM namespaces WHERE name = $1"
        typealias Row = Int
        var namespace: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(namespace)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
    }

    /// Locks the open run of a workflow id, if there is one.
    struct LockOpenRun: PostgresPreparedStatement {
        static let sql = """
            SELECT run_id FROM workflow_executions
            WHERE namespace = $1 AND workflow_id = $2 AND status IN ('Running', 'Paused') FOR UPDATE
            """
        typealias Row = UUID
        var namespace: String
        var workflowId: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(namespace)
            bindings.append(workflowId)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(UUID.self) }
    }

    /// Inserts a new run's execution row.
    struct InsertRun: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                start_time, execution_deadline, next_event_id, search_attributes, memo)
            VALUES ($1, $2, $3, $4, $5, 'Running', $6::text::jsonb, $7, $8::timestamptz, 1, $9::text::jsonb, $10::text::jsonb)
            """
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

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(namespace)
            bindings.append(workflowId)
            bindings.append(workflowType)
            bindings.append(taskQueue)
            bindings.append(input)
            bindings.append(startTime)
            bindings.append(executionDeadline)
            bindings.append(searchAttributes)
            bindings.append(memo)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }
}

extension ActivityTask {
    /// The binds that fence an attempt: run, activity, attempt and lease token.
    fileprivate var fenceBindings: PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(runId)
        bindings.append(activityId)
        bindings.append(attempt)
        bindings.append(leaseToken)
        return bindings
    }
}

extension PostgresConnection {
    /// Runs a prepared statement that returns no rows, draining its result.
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws where Statement.Row == Void {
        for try await _ in try await execute(statement, logger: logger) {}
    }
}
