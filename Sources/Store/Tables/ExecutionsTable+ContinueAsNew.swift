import Foundation
import PostgresNIO
import Workflow

/// The rows of a continue-as-new: the new run, made from the old run's row.
extension ExecutionsTable {
    /// Inserts the run that continues `oldRunId` and links the two rows: the new run takes the
    /// old run's namespace, workflow id, execution deadline (a chain's deadline is its first
    /// run's, as in Temporal), search attributes, memo and, for a child, its link to the parent
    /// (the chain's last run reports to the parent). Run after ``Close``, which frees the workflow
    /// id's open-run slot.
    struct InsertContinued: DescribedStatement {
        static let statement = Statement<Self> { p in
            let oldRunId = p.bind("uuid") { $0.oldRunId }
            let newRunId = p.bind("uuid") { $0.newRunId }
            return """
                WITH old AS (
                    UPDATE reprise.workflow_executions SET new_execution_run_id = \(newRunId) WHERE run_id = \(oldRunId)
                    RETURNING namespace, workflow_id, execution_deadline, search_attributes, memo, parent_run_id,
                        parent_initiated_event_id, parent_started_event_id, parent_close_policy, trace_context
                )
                INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, input,
                    start_time, execution_deadline, next_event_id, search_attributes, memo, continued_execution_run_id, parent_run_id,
                    parent_initiated_event_id, parent_started_event_id, parent_close_policy, trace_context)
                SELECT \(newRunId), namespace, workflow_id, \(p.bind("text") { $0.workflowType }), \(p.bind("text") { $0.taskQueue }),
                    '\(WorkflowStatus.running.rawValue)', \(p.bind("text") { $0.input })::jsonb, \(p.bind("timestamptz") { $0.startTime }),
                    execution_deadline, 1, search_attributes, memo, \(oldRunId), parent_run_id, parent_initiated_event_id,
                    parent_started_event_id, parent_close_policy, trace_context
                FROM old
                """
        }
        typealias Row = Void
        var oldRunId: UUID
        var newRunId: UUID
        var workflowType: String
        var taskQueue: String
        var input: String?
        var startTime: Date
    }
}
