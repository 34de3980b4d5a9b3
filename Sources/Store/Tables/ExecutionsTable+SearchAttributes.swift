import Foundation
import PostgresNIO
import Workflow

extension ExecutionsTable {
    /// Merges upserted search attributes (a JSON object) over a run's, each name's new value
    /// replacing its old one. A start's attributes that are not an object are replaced.
    struct MergeSearchAttributes: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.workflow_executions
            SET search_attributes = CASE WHEN jsonb_typeof(search_attributes) = 'object' THEN search_attributes ELSE '{}'::jsonb END
                || \(p.bind("jsonb") { $0.attributes })
            WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = Void
        var runId: UUID
        /// The upserted attributes, as a JSON object.
        var attributes: String
    }
}
