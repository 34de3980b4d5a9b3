import Foundation
import PostgresNIO
import Workflow

/// `buffered_events`: events for a run whose workflow task is running, held until the task ends
/// (engine version 15). Only a child's close is buffered, so only a run with children has rows.
enum BufferedEventsTable {
    /// Holds one event for a run; its id is given when it is appended.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            "INSERT INTO reprise.buffered_events (run_id, event) VALUES (\(p.bind("uuid") { $0.runId }), \(p.bind("text") { $0.event })::jsonb)"
        }
        typealias Row = Void
        var runId: UUID
        /// A `HistoryEvent`'s JSON, its id and time to be replaced.
        var event: String
    }

    /// Deletes a run's held events and returns them, in the order they were held.
    struct Take: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            WITH taken AS (DELETE FROM reprise.buffered_events WHERE run_id = \(p.bind("uuid") { $0.runId }) RETURNING seq, event)
            SELECT event::text FROM taken ORDER BY seq
            """
        }
        typealias Row = String
        var runId: UUID
    }
}
