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
enum Prepared {
    /// Locks a run's execution row (every transition's first statement).
    struct LockRun: PostgresPreparedStatement {
        static let sql = """
            SELECT namespace, workflow_id, workflow_type, task_queue, status, next_event_id, cancel_requested
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

    /// Appends a run's events and advances its `next_event_id`, in one round trip. The attributes
    /// come as `{"attributes": …}` text (``HistoryEvent/wrappedAttributesJSON()``).
    struct AppendEvents: PostgresPreparedStatement {
        static let sql = """
            WITH appended AS (
                INSERT INTO history_events (run_id, event_id, event_type, event_time, attributes)
                SELECT $1, id, type, time, attributes::jsonb -> 'attributes'
                FROM unnest($3::bigint[], $4::text[], $5::timestamptz[], $6::text[]) AS e(id, type, time, attributes)
            )
            UPDATE workflow_executions SET next_event_id = $2 WHERE run_id = $1
            """
        typealias Row = Void
        var runId: UUID
        var nextEventId: Int64
        var events: [HistoryEvent]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(nextEventId)
            try Self.appendColumns(of: events, to: &bindings)
            return bindings
        }

        /// Binds events as four arrays: ids, types, times, and `{"attributes": …}` text
        /// (``HistoryEvent/wrappedAttributesJSON()``), for `unnest`.
        static func appendColumns(of events: [HistoryEvent], to bindings: inout PostgresBindings) throws {
            bindings.append(events.map(\.eventId))
            bindings.append(events.map(\.eventType.rawValue))
            bindings.append(events.map(\.eventTime))
            bindings.append(try events.map { try $0.wrappedAttributesJSON() })
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Inserts an activity task, queued or (with a lease) already leased to a worker.
    struct InsertActivityTask: PostgresPreparedStatement {
        static let sql = "INSERT INTO activity_tasks (\(columns)) VALUES (\(values(from: 1)))"

        /// The row's columns, for this statement and the ones that insert the row among others.
        static let columns = """
            run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
            scheduled_event_id, scheduled_at, visible_at, schedule_to_start_deadline, schedule_to_close_deadline,
            lease_owner, lease_token, started_at, lease_expires_at
            """

        /// The values of ``columns`` as the parameters that ``append(_:to:)`` binds, from `$first`
        /// on (the scheduling time fills both `scheduled_at` and `visible_at`).
        static func values(from first: Int) -> String {
            let types = ["uuid", "text", "text", "text", "text", "text", "text", "text::jsonb", "text::jsonb", "bigint", "timestamptz"]
                .enumerated().map { "$\(first + $0.offset)::\($0.element)" }
            let rest = ["timestamptz", "timestamptz", "text", "uuid", "timestamptz", "timestamptz"]
                .enumerated().map { "$\(first + 11 + $0.offset)::\($0.element)" }
            return (types + [types[10]] + rest).joined(separator: ", ")
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

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            Self.append(self, to: &bindings)
            return bindings
        }

        /// Appends a row's values, or as many typed NULLs when there is no row (a prepared
        /// statement's parameter types come from its first bindings, so they must not vary).
        static func append(_ row: Self?, to bindings: inout PostgresBindings) {
            bindings.append(row?.runId)
            bindings.append(row?.activityId)
            bindings.append(row?.namespace)
            bindings.append(row?.workflowId)
            bindings.append(row?.workflowType)
            bindings.append(row?.taskQueue)
            bindings.append(row?.activityType)
            bindings.append(row?.input)
            bindings.append(row?.options)
            bindings.append(row?.scheduledEventId)
            bindings.append(row?.now)
            bindings.append(row?.scheduleToStartDeadline)
            bindings.append(row?.scheduleToCloseDeadline)
            bindings.append(row?.leaseOwner)
            bindings.append(row?.leaseToken)
            bindings.append(row?.startedAt)
            bindings.append(row?.leaseExpiresAt)
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Whole steps in one round trip and one commit (design §11), each an activity's completion,
    /// the inline workflow task's events, and either the next activity row, leased to the
    /// completing worker, or the run's close. The steps are independent: each writes only if its
    /// run is where the worker's cache left it (`run`) and its attempt still holds its lease
    /// (`taken`), and every write hangs off `taken`. Returns, per step in order, whether each of
    /// the two held: (false, false) the run moved on or closed, (true, false) the lease was lost.
    /// A close deletes the run's task rows and timers and NOTIFYs `Channel.runClosed`, as
    /// ``CloseRun`` does.
    ///
    /// Every column is bound as an array (for `unnest`), and PostgresNIO's arrays hold no NULL:
    /// an absent text is bound as `''` and an absent time as the epoch (``noTime``), which the
    /// SQL turns back into NULL. No payload is empty JSON, and no deadline falls in 1970.
    struct CompleteSteps: PostgresPreparedStatement {
        static let sql = """
            WITH step AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::uuid[], $5::bigint[], $6::bigint[], $7::text[])
                    WITH ORDINALITY AS s(run_id, activity_id, attempt, lease_token, expected_event_id, next_event_id, task_queue, n)
            ), run AS (
                SELECT w.run_id FROM workflow_executions w JOIN step s ON w.run_id = s.run_id
                WHERE w.next_event_id = s.expected_event_id AND w.status = 'Running' AND w.task_queue = s.task_queue
                ORDER BY w.run_id FOR UPDATE OF w
            ), taken AS (
                DELETE FROM activity_tasks a USING step s
                WHERE a.run_id = s.run_id AND a.activity_id = s.activity_id AND a.attempt = s.attempt AND a.lease_token = s.lease_token
                    AND a.run_id IN (SELECT run_id FROM run)
                RETURNING a.run_id
            ), appended AS (
                INSERT INTO history_events (run_id, event_id, event_type, event_time, attributes)
                SELECT e.run_id, e.id, e.type, e.time, e.attributes::jsonb -> 'attributes'
                FROM unnest($8::uuid[], $9::bigint[], $10::text[], $11::timestamptz[], $12::text[]) AS e(run_id, id, type, time, attributes)
                WHERE e.run_id IN (SELECT run_id FROM taken)
            ), closing AS (
                SELECT c.run_id, c.status, c.close_time, NULLIF(c.result, '')::jsonb AS result, NULLIF(c.failure, '')::jsonb AS failure
                FROM unnest($29::uuid[], $30::text[], $31::timestamptz[], $32::text[], $33::text[]) AS c(run_id, status, close_time, result, failure)
                WHERE c.run_id IN (SELECT run_id FROM taken)
            ), advanced AS (
                UPDATE workflow_executions w SET next_event_id = s.next_event_id, status = COALESCE(c.status, w.status),
                    close_time = COALESCE(c.close_time, w.close_time), result = COALESCE(c.result, w.result),
                    failure = COALESCE(c.failure, w.failure)
                FROM step s LEFT JOIN closing c ON c.run_id = s.run_id
                WHERE w.run_id = s.run_id AND w.run_id IN (SELECT run_id FROM taken)
            ), leased AS (
                INSERT INTO activity_tasks (\(InsertActivityTask.columns))
                SELECT n.run_id, n.activity_id, n.namespace, n.workflow_id, n.workflow_type, n.task_queue, n.activity_type,
                    NULLIF(n.input, '')::jsonb, n.options::jsonb, n.scheduled_event_id, n.now, n.now, NULLIF(n.start_deadline, 'epoch'),
                    NULLIF(n.close_deadline, 'epoch'), n.lease_owner, n.lease_token, n.now, n.lease_expires_at
                FROM unnest($13::uuid[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
                    $21::text[], $22::bigint[], $23::timestamptz[], $24::timestamptz[], $25::timestamptz[], $26::text[], $27::uuid[],
                    $28::timestamptz[])
                    AS n(run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
                        scheduled_event_id, now, start_deadline, close_deadline, lease_owner, lease_token, lease_expires_at)
                WHERE n.run_id IN (SELECT run_id FROM taken)
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

        /// The time bound for an absent one; the SQL reads it back as NULL.
        static let noTime = Date(timeIntervalSince1970: 0)

        var steps: [Step]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(steps.map(\.task.runId))
            bindings.append(steps.map(\.task.activityId))
            bindings.append(steps.map(\.task.attempt))
            bindings.append(steps.map(\.task.leaseToken))
            bindings.append(steps.map(\.expectedNextEventId))
            bindings.append(steps.map { $0.expectedNextEventId + Int64($0.events.count) })
            bindings.append(steps.map(\.taskQueue))
            let events = steps.flatMap { step in step.events.map { (step.task.runId, $0) } }
            bindings.append(events.map(\.0))
            bindings.append(events.map(\.1.eventId))
            bindings.append(events.map(\.1.eventType.rawValue))
            bindings.append(events.map(\.1.eventTime))
            bindings.append(try events.map { try $0.1.wrappedAttributesJSON() })
            let next = steps.compactMap(\.nextActivity)
            guard next.allSatisfy({ $0.leaseOwner != nil && $0.leaseToken != nil && $0.leaseExpiresAt != nil }) else {
                throw StoreError(.invalidArgument, "a step's next activity must be leased to the completing worker")
            }
            bindings.append(next.map(\.runId))
            bindings.append(next.map(\.activityId))
            bindings.append(next.map(\.namespace))
            bindings.append(next.map(\.workflowId))
            bindings.append(next.map(\.workflowType))
            bindings.append(next.map(\.taskQueue))
            bindings.append(next.map(\.activityType))
            bindings.append(next.map { $0.input ?? "" })
            bindings.append(next.map(\.options))
            bindings.append(next.map(\.scheduledEventId))
            bindings.append(next.map(\.now))
            bindings.append(next.map { $0.scheduleToStartDeadline ?? Self.noTime })
            bindings.append(next.map { $0.scheduleToCloseDeadline ?? Self.noTime })
            bindings.append(next.map { $0.leaseOwner! })
            bindings.append(next.map { $0.leaseToken! })
            bindings.append(next.map { $0.leaseExpiresAt! })
            let closes = steps.compactMap { step in step.close.map { (step.task.runId, $0) } }
            bindings.append(closes.map(\.0))
            bindings.append(closes.map(\.1.status))
            bindings.append(closes.map(\.1.closeTime))
            bindings.append(closes.map { $0.1.result ?? "" })
            bindings.append(closes.map { $0.1.failure ?? "" })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (run, lease, _) = try row.decode((Bool, Bool, Int).self)
            return Held(run: run, lease: lease)
        }
    }

    /// A start in one round trip and one commit: the run, its first events and its first
    /// workflow task, unless the namespace is unknown or the workflow id has an open run; then
    /// nothing is written. Returns the new run's id, or else the open run's id, and whether the
    /// namespace exists.
    ///
    /// With ``FirstTask`` (an eager start) the events go on through that task's completion, no
    /// task row is queued, and the run either has its first activity leased to the starting
    /// worker or is closed at once (and `Channel.runClosed` told).
    struct StartRun: PostgresPreparedStatement {
        static let sql = """
            WITH namespace AS (
                SELECT 1 FROM namespaces WHERE name = $2
            ), open AS (
                SELECT run_id FROM workflow_executions
                WHERE namespace = $2 AND workflow_id = $3 AND status IN ('Running', 'Paused') FOR UPDATE
            ), run AS (
                INSERT INTO workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                    start_time, execution_deadline, next_event_id, search_attributes, memo, close_time, result, failure)
                SELECT $1, $2, $3, $4, $5, COALESCE($32::text, 'Running'), $6::text::jsonb, $7, $8::timestamptz, cardinality($11::text[]) + 1,
                    $9::text::jsonb, $10::text::jsonb, $33::timestamptz, $34::text::jsonb, $35::text::jsonb
                WHERE EXISTS (SELECT FROM namespace) AND NOT EXISTS (SELECT FROM open)
                RETURNING run_id
            ), appended AS (
                INSERT INTO history_events (run_id, event_id, event_type, event_time, attributes)
                SELECT run.run_id, e.id, e.type, $7, e.attributes::jsonb -> 'attributes'
                FROM run, unnest($11::text[], $12::text[]) WITH ORDINALITY AS e(type, attributes, id)
            ), task AS (
                INSERT INTO workflow_tasks (run_id, task_queue, scheduled_event_id, visible_at)
                SELECT run_id, $5, cardinality($11::text[]), $7 FROM run WHERE NOT $14::bool
            ), leased AS (
                INSERT INTO activity_tasks (\(InsertActivityTask.columns))
                SELECT \(InsertActivityTask.values(from: 15)) FROM run WHERE $16::text IS NOT NULL
            )
            SELECT COALESCE((SELECT run_id FROM run), (SELECT run_id FROM open)), EXISTS (SELECT FROM namespace),
                (SELECT pg_notify($13, '')::text FROM run WHERE NOT $14::bool),
                (SELECT pg_notify('\(Channel.runClosed)', run_id::text)::text FROM run WHERE $32::text IS NOT NULL)
            """
        typealias Row = (UUID?, Bool)

        /// The first workflow task's writes besides its events: the activity it leases to the
        /// starting worker, or the run's close (whose `runId` is not bound).
        struct FirstTask {
            var nextActivity: InsertActivityTask?
            var close: CloseRun?
        }

        var run: InsertRun
        /// The run's first events, numbered from 1; all at the start time.
        var events: [HistoryEvent]
        var channel: String
        var firstTask: FirstTask?

        func makeBindings() throws -> PostgresBindings {
            var bindings = try run.makeBindings()
            bindings.append(events.map(\.eventType.rawValue))
            bindings.append(try events.map { try $0.wrappedAttributesJSON() })
            bindings.append(channel)
            bindings.append(firstTask != nil)
            InsertActivityTask.append(firstTask?.nextActivity, to: &bindings)
            bindings.append(firstTask?.close?.status)
            bindings.append(firstTask?.close?.closeTime)
            bindings.append(firstTask?.close?.result)
            bindings.append(firstTask?.close?.failure)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (runId, namespaceExists, _, _) = try row.decode((UUID?, Bool, String?, String?).self)
            return (runId, namespaceExists)
        }
    }

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
            INSERT INTO workflow_tasks (run_id, task_queue, scheduled_event_id, visible_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (run_id) DO NOTHING RETURNING 1
            """
        typealias Row = Int
        var runId: UUID
        var taskQueue: String
        var scheduledEventId: Int64
        var visibleAt: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(taskQueue)
            bindings.append(scheduledEventId)
            bindings.append(visibleAt)
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
            SELECT \(eventColumns) FROM history_events WHERE run_id = $1 AND event_id > $2 ORDER BY event_id
            """
        typealias Row = EventColumns
        var runId: UUID
        var afterEventId: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(afterEventId)
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
