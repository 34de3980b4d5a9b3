import Foundation
import PostgresNIO

extension ExecutionsTable {
    /// Which of some runs are still open: a schedule's overlap check and its `runningWorkflows`.
    struct OpenOf: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id FROM reprise.workflow_executions
            WHERE run_id = ANY(\(p.bind("uuid[]") { $0.runIds })) AND status IN \(ExecutionsTable.openStatuses)
            """
        }
        typealias Row = UUID
        var runIds: [UUID]
    }
}
