import Foundation
import PostgresNIO
import Workflow

/// `buffered_events`: events held for a run until they can be appended (engine version 15): while
/// its workflow task runs, or while another transaction holds its row. Only a child's close is
/// held, so only a run with children has rows.
enum BufferedEventsTable {
    /// Holds one event for a run, unless the run is gone (retention deleted it); its id is given
    /// when it is appended.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.buffered_events (run_id, event)
            SELECT r.run_id, \(p.bind("text") { $0.event })::jsonb FROM reprise.workflow_executions r WHERE r.run_id = \(p.bind("uuid") { $0.runId })
            """
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

    /// Runs holding events that no workflow task of theirs will take: none is leased. A child's
    /// close that found its parent busy leaves its event for these (``Store/deliverHeldEvents(at:limit:)``).
    struct Stranded: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT DISTINCT b.run_id FROM reprise.buffered_events b
            WHERE NOT EXISTS (SELECT 1 FROM reprise.workflow_tasks t WHERE t.run_id = b.run_id AND t.lease_token IS NOT NULL)
            LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = UUID
        var limit: Int64
    }
}
