import Foundation
import PostgresNIO

/// `workflow_queries`: queries waiting for a worker of their run's queue, and their answers
/// (engine migration 18). A row lives for one request: the API server deletes it as it reads the
/// answer or gives up.
enum QueriesTable {
    /// Resolves the run (the open one, else the latest, or the one named), records the query for
    /// it and NOTIFYs the run's queue; first purges rows a crashed server left past their expiry.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            let namespace = p.bind("text") { $0.namespace }
            let workflowId = p.bind("text") { $0.workflowId }
            let runId = p.bind("uuid") { $0.runId }
            return """
                WITH purged AS (DELETE FROM reprise.workflow_queries WHERE expires_at < now() - interval '1 minute'),
                run AS (
                    SELECT run_id, workflow_type, task_queue FROM reprise.workflow_executions
                    WHERE namespace = \(namespace) AND workflow_id = \(workflowId) AND (\(runId) IS NULL OR run_id = \(runId))
                    ORDER BY (status IN \(ExecutionsTable.openStatuses)) DESC, start_time DESC, \(ExecutionsTable.succeededLast) LIMIT 1
                ),
                inserted AS (
                    INSERT INTO reprise.workflow_queries (id, namespace, workflow_id, run_id, workflow_type, task_queue, kind, query_name, args, expires_at)
                    SELECT \(p.bind("uuid") { $0.id }), \(namespace), \(workflowId), run_id, workflow_type, task_queue, \(p.bind("text") { $0.kind.rawValue }), \(p.bind("text") { $0.name }),
                        \(p.bind("text") { $0.args })::jsonb, now() + make_interval(secs => \(p.bind("float8") { $0.timeoutSeconds }))
                    FROM run
                    RETURNING id, run_id, task_queue
                )
                SELECT id, run_id, task_queue, pg_notify('\(Channel.queries)', \(namespace) || chr(31) || task_queue)::text FROM inserted
                """
        }
        /// The query's id, its run, the run's task queue, and the notification's (empty) result.
        typealias Row = (UUID, UUID, String, String)
        var id: UUID
        var namespace: String
        var workflowId: String
        var runId: UUID?
        var kind: QueryKind
        var name: String
        var args: String
        var timeoutSeconds: Double

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Claims up to `limit` unexpired queries of the worker's queue, namespaces and types.
    struct Claim: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_queries SET claimed_by = \(p.bind("text") { $0.owner })
            WHERE id IN (
                SELECT id FROM reprise.workflow_queries
                WHERE claimed_by IS NULL AND task_queue = \(p.bind("text") { $0.taskQueue })
                    AND namespace = ANY(\(p.bind("text[]") { $0.namespaces })) AND workflow_type = ANY(\(p.bind("text[]") { $0.workflowTypes }))
                    AND expires_at > now()
                ORDER BY expires_at LIMIT \(p.bind("int8") { $0.limit }) FOR UPDATE SKIP LOCKED
            )
            RETURNING id, namespace, workflow_id, run_id, workflow_type, task_queue, kind, query_name, args::text
            """
        }
        typealias Row = (UUID, String, String, UUID, String, String, String, String, String)
        var owner: String
        var taskQueue: String
        var namespaces: [String]
        var workflowTypes: [String]
        var limit: Int64

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Records a query's answer (a result, or an error's code and message) and NOTIFYs its id.
    struct Answer: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            WITH answered AS (
                UPDATE reprise.workflow_queries
                SET answered = true, result = \(p.bind("text") { $0.result })::jsonb, error_code = \(p.bind("text") { $0.errorCode }),
                    error_message = \(p.bind("text") { $0.errorMessage })
                WHERE id = \(p.bind("uuid") { $0.id })
                RETURNING id
            )
            SELECT pg_notify('\(Channel.queryAnswered)', id::text)::text FROM answered
            """
        }
        typealias Row = String
        var id: UUID
        var result: String?
        var errorCode: String?
        var errorMessage: String?
    }

    /// Deletes a query as its answer is read: only once answered, unless the caller gives up.
    struct Take: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            DELETE FROM reprise.workflow_queries
            WHERE id = \(p.bind("uuid") { $0.id }) AND (answered OR \(p.bind("bool") { $0.givingUp }))
            RETURNING answered, claimed_by, result::text, error_code, error_message
            """
        }
        typealias Row = (Bool, String?, String?, String?, String?)
        var id: UUID
        var givingUp: Bool

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
