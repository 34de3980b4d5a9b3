import Foundation
import PostgresNIO
import Workflow

/// The visibility reads of `workflow_executions`: a run as `describe` shows it, with its pending
/// activities (queued, running or dead-lettered), and the keyset-paged list of runs.
extension ExecutionsTable {
    /// A run's row as `describe` shows it.
    struct Describe: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT workflow_type, task_queue, status, start_time, close_time, input::text, result::text, failure::text, next_event_id,
                task_failure::text, search_attributes::text, memo::text, history_bytes, continued_execution_run_id, new_execution_run_id
            FROM reprise.workflow_executions WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        /// Type, task queue, status, start and close time, input, result, failure, next event id,
        /// task failure, search attributes, memo, history bytes, the run it continued, the run
        /// that continued it.
        typealias Row = (String, String, String, Date, Date?, String?, String?, String?, Int64, String?, String?, String?, Int64, UUID?, UUID?)
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A run's activities without an outcome, by scheduled event id: its activity tasks
    /// (`Scheduled` or `Started`) and its pending dead letters (`DeadLettered`, with the letter's id).
    struct PendingActivities: DescribedStatement {
        static let statement = Statement<Self> { p in
            let runId = p.bind("uuid") { $0.runId }
            return """
                SELECT activity_id, activity_type, CASE WHEN lease_owner IS NULL THEN 'Scheduled' ELSE 'Started' END, attempt,
                    last_failure::text, heartbeat_details::text, NULL::uuid, scheduled_event_id
                FROM reprise.activity_tasks WHERE run_id = \(runId)
                UNION ALL
                SELECT activity_id, activity_type, 'DeadLettered', attempts, last_failure::text, heartbeat_details::text, id, scheduled_event_id
                FROM reprise.dead_letters WHERE run_id = \(runId) AND state = '\(DeadLetterState.pending.rawValue)'
                ORDER BY 8
                """
        }
        /// Activity id and type, state, attempt, last failure, heartbeat details, dead letter id,
        /// scheduled event id.
        typealias Row = (String, String, String, Int, String?, String?, UUID?, Int64)
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A namespace's runs newest first, optionally by status and type, after a keyset cursor on
    /// (start time, run id); one prepared statement, each absent filter bound as NULL.
    struct List: DescribedStatement {
        static let statement = Statement<Self> { p in page(&p, matching: nil) }

        /// The same page narrowed by a list query. Its text is built per query, so it runs
        /// unprepared (``Statement/query(_:)``); every value and name in the query is a bind
        /// (``ListQuerySQL``).
        static func statement(matching query: ListQuery) -> Statement<Self> {
            Statement<Self> { p in page(&p, matching: query) }
        }

        private static func page(_ p: inout SQLParameters<Self>, matching query: ListQuery?) -> String {
            let status = p.bind("text") { $0.status?.rawValue }
            let type = p.bind("text") { $0.type }
            let afterMicros = p.bind("bigint") { $0.after?.micros }
            let matching = query.map { "\n  AND \(ListQuerySQL.condition($0.expression, &p))" } ?? ""
            return """
                SELECT workflow_id, run_id, workflow_type, status, start_time, close_time FROM reprise.workflow_executions
                WHERE namespace = \(p.bind("text") { $0.namespace }) AND (\(status) IS NULL OR status = \(status))
                  AND (\(type) IS NULL OR workflow_type = \(type))
                  AND (\(afterMicros) IS NULL
                       OR (start_time, run_id) < (timestamptz 'epoch' + \(afterMicros) * interval '1 microsecond', \(p.bind("uuid") { $0.after?.runId })))\(matching)
                ORDER BY start_time DESC, run_id DESC LIMIT \(p.bind("bigint") { $0.limit })
                """
        }

        /// Workflow id, run id, type, status, start and close time.
        typealias Row = (String, UUID, String, String, Date, Date?)
        var namespace: String
        var status: WorkflowStatus?
        var type: String?
        var after: PageToken?
        var limit: Int

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
