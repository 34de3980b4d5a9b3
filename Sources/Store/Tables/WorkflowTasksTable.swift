import Foundation
import PostgresNIO

/// `workflow_tasks`: a run's one pending or running workflow task, queued per (task queue,
/// namespace) and leased by a poll.
enum WorkflowTasksTable {
    /// Queues a run's workflow task unless one is pending; returns a row when it did.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO workflow_tasks (run_id, namespace, task_queue, scheduled_event_id, visible_at)
            VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.namespace }), \(p.bind("text") { $0.taskQueue }),
                \(p.bind("bigint") { $0.scheduledEventId }), \(p.bind("timestamptz") { $0.visibleAt }))
            ON CONFLICT (run_id) DO NOTHING RETURNING 1
            """
        }
        typealias Row = Int
        var runId: UUID
        var namespace: String
        var taskQueue: String
        var scheduledEventId: Int64
        var visibleAt: Date

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Int.self) }
    }

    /// Queues each run's workflow task unless one is pending, in one statement; returns the runs
    /// it queued a task for.
    struct InsertAll: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO workflow_tasks (run_id, namespace, task_queue, scheduled_event_id, visible_at)
            SELECT * FROM unnest(\(p.bind("uuid[]") { $0.tasks.map(\.runId) }), \(p.bind("text[]") { $0.tasks.map(\.namespace) }),
                \(p.bind("text[]") { $0.tasks.map(\.taskQueue) }), \(p.bind("bigint[]") { $0.tasks.map(\.scheduledEventId) }),
                \(p.bind("timestamptz[]") { $0.tasks.map(\.visibleAt) }))
            ON CONFLICT (run_id) DO NOTHING RETURNING run_id
            """
        }
        typealias Row = UUID
        var tasks: [Insert]

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(UUID.self) }
    }
}
