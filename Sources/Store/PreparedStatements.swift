import Foundation
import PostgresNIO

/// The hot path's statements, prepared once per connection, so that Postgres parses and plans
/// them once rather than on every transition: parse and plan were ~40% of its CPU per step.
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
        var eventIds: [Int64]
        var types: [String]
        var times: [Date]
        var attributes: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings()
            bindings.append(runId)
            bindings.append(nextEventId)
            bindings.append(eventIds)
            bindings.append(types)
            bindings.append(times)
            bindings.append(attributes)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {}
    }

    /// Inserts an activity task, queued or (with a lease) already leased to a worker.
    struct InsertActivityTask: PostgresPreparedStatement {
        static let sql = """
            INSERT INTO activity_tasks (run_id, activity_id, namespace, workflow_id, workflow_type, task_queue, activity_type, input, options,
                scheduled_event_id, scheduled_at, visible_at, schedule_to_start_deadline, schedule_to_close_deadline,
                lease_owner, lease_token, started_at, lease_expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $11, $12, $13, $14, $15, $16, $17)
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
            VALUES ($1, $2, $3, $4, $5, 'Running', $6::jsonb, $7, $8, 1, $9::jsonb, $10::jsonb)
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
