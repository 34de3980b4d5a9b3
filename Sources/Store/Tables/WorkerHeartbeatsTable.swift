import Foundation
import PostgresNIO

/// `worker_heartbeats`: what each live worker polls and serves, one row per (namespace, identity,
/// task queue). A worker's heartbeat keeps its rows live until `expires_at`; the rows of a worker
/// that stopped answering expire, and the next heartbeat in their namespace deletes them.
enum WorkerHeartbeatsTable {
    /// The columns a listing reads, in ``LiveWorker`` order.
    static let listed = "identity, task_queue, workflow_types, activity_types, build, started_at, last_seen, expires_at"

    /// Writes a worker's rows, one per served namespace, live for `liveForSeconds` from the
    /// database's `now()`; and deletes the expired rows of other workers in those namespaces
    /// (skipping rows another heartbeat is deleting, so two never wait on each other).
    struct Beat: DescribedStatement {
        static let statement = Statement<Self> { p in
            let namespaces = p.bind("text[]") { $0.heartbeat.namespaces }
            let identity = p.bind("text") { $0.heartbeat.identity }
            let queue = p.bind("text") { $0.heartbeat.taskQueue }
            return """
                WITH expired AS (
                    DELETE FROM reprise.worker_heartbeats WHERE (namespace, identity, task_queue) IN (
                        SELECT namespace, identity, task_queue FROM reprise.worker_heartbeats
                        WHERE namespace = ANY(\(namespaces)) AND expires_at < now() AND NOT (identity = \(identity) AND task_queue = \(queue))
                        FOR UPDATE SKIP LOCKED)
                )
                INSERT INTO reprise.worker_heartbeats (namespace, identity, task_queue, workflow_types, activity_types, build, started_at, last_seen, expires_at)
                SELECT n, \(identity), \(queue), \(p.bind("text[]") { $0.heartbeat.workflowTypes }), \(p.bind("text[]") { $0.heartbeat.activityTypes }),
                    \(p.bind("text") { $0.heartbeat.build }), now(), now(), now() + \(p.bind("float8") { $0.liveForSeconds }) * interval '1 second'
                FROM unnest(\(namespaces)) AS n
                ON CONFLICT (namespace, identity, task_queue) DO UPDATE SET workflow_types = EXCLUDED.workflow_types,
                    activity_types = EXCLUDED.activity_types, build = EXCLUDED.build, last_seen = EXCLUDED.last_seen,
                    expires_at = EXCLUDED.expires_at
                """
        }
        typealias Row = Void
        var heartbeat: WorkerHeartbeat
        var liveForSeconds: Double
    }

    /// Deletes a worker's rows: it stopped, and says so rather than wait to expire.
    struct Remove: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            DELETE FROM reprise.worker_heartbeats WHERE namespace = ANY(\(p.bind("text[]") { $0.heartbeat.namespaces }))
                AND identity = \(p.bind("text") { $0.heartbeat.identity }) AND task_queue = \(p.bind("text") { $0.heartbeat.taskQueue })
            """
        }
        typealias Row = Void
        var heartbeat: WorkerHeartbeat
    }

    /// The live workers of a namespace, by task queue and identity, up to a limit.
    struct ListLive: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(listed) FROM reprise.worker_heartbeats WHERE namespace = \(p.bind("text") { $0.namespace }) AND expires_at > now()
            ORDER BY task_queue, identity LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = LiveWorker
        var namespace: String
        var limit: Int64

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (identity, queue, workflowTypes, activityTypes, build, startedAt, lastSeen, expiresAt) = try row.decode(
                (String, String, [String], [String], String, Date, Date, Date).self)
            return LiveWorker(
                identity: identity, namespace: namespace, taskQueue: queue, workflowTypes: workflowTypes, activityTypes: activityTypes, build: build,
                startedAt: startedAt, lastSeen: lastSeen, expiresAt: expiresAt)
        }
    }

    /// Every live worker's namespace, queue and workflow types, across namespaces: what a server
    /// caches to warn about starts that no worker serves.
    struct ServedWorkflowTypes: DescribedStatement {
        static let statement = Statement<Self> { _ in
            "SELECT namespace, task_queue, workflow_types FROM reprise.worker_heartbeats WHERE expires_at > now()"
        }
        typealias Row = (String, String, [String])
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
