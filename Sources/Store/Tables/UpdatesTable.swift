import Foundation
import PostgresNIO

/// `workflow_updates`: each accepted update of a run and, once its handler ends, its outcome
/// (engine migration 18). A repeated update id answers from here.
enum UpdatesTable {
    /// An update as recorded: name, accepted event, whether it completed, result and failure.
    struct Find: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT name, accepted_event_id, completed, result::text, failure::text FROM reprise.workflow_updates
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND update_id = \(p.bind("text") { $0.updateId })
            """
        }
        typealias Row = (String, Int64, Bool, String?, String?)
        var runId: UUID
        var updateId: String

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Records an accepted update.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.workflow_updates (run_id, update_id, name, accepted_event_id)
            VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.updateId }), \(p.bind("text") { $0.name }), \(p.bind("int8") { $0.acceptedEventId }))
            """
        }
        typealias Row = Void
        var runId: UUID
        var updateId: String
        var name: String
        var acceptedEventId: Int64
    }

    /// Records an update's outcome and NOTIFYs `Channel.updateCompleted` with its key.
    struct Complete: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            WITH completed AS (
                UPDATE reprise.workflow_updates
                SET completed = true, result = \(p.bind("text") { $0.result })::jsonb, failure = \(p.bind("text") { $0.failure })::jsonb
                WHERE run_id = \(p.bind("uuid") { $0.runId }) AND update_id = \(p.bind("text") { $0.updateId })
                RETURNING run_id, update_id
            )
            SELECT pg_notify('\(Channel.updateCompleted)', run_id::text || '/' || update_id)::text FROM completed
            """
        }
        typealias Row = String
        var runId: UUID
        var updateId: String
        var result: String?
        var failure: String?
    }
}
