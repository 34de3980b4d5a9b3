import Foundation
import PostgresNIO
import Workflow

/// An activity that ran out of attempts and waits for an operator.
public struct DeadLetter: Sendable, Codable, Hashable {
    public var id: UUID
    public var namespace: String
    public var runId: UUID
    public var workflowId: String
    public var workflowType: String
    public var activityId: String
    public var activityType: String
    public var taskQueue: String
    public var input: Payload?
    public var attempts: Int
    public var lastFailure: Failure
    public var heartbeatDetails: Payload?
    public var deadAt: Date
    /// `Pending`, or how an operator handled it: `Retried`, `Failed`, `Resolved` (``DeadLetterState``).
    public var state: String
    public var handledAt: Date?
}

/// A dead letter's `state` column: pending, or how an operator handled it.
package enum DeadLetterState: String, Sendable, CaseIterable {
    case pending = "Pending"
    case retried = "Retried"
    case failed = "Failed"
    case resolved = "Resolved"
}

/// `dead_letters`: activities parked for an operator, with what their last attempt left behind,
/// until an operator retries, fails or resolves them (`Transitions/DeadLetterActions.swift`).
enum DeadLettersTable {
    /// The columns a read returns, decoded by ``letter(_:)``.
    static let columns = """
        id, namespace, run_id, workflow_id, workflow_type, activity_id, activity_type, task_queue, input::text, attempts,
        last_failure::text, heartbeat_details::text, dead_at, state, handled_at
        """
    typealias Columns = (UUID, String, UUID, String, String, String, String, String, String?, Int, String, String?, Date, String, Date?)

    /// A dead letter from its ``columns``.
    static func letter(_ columns: Columns) throws -> DeadLetter {
        let (id, namespace, runId, workflowId, workflowType, activityId, activityType, queue, input, attempts, failure, details, deadAt, state,
            handledAt) = columns
        return DeadLetter(
            id: id, namespace: namespace, runId: runId, workflowId: workflowId, workflowType: workflowType, activityId: activityId,
            activityType: activityType, taskQueue: queue, input: try JSONColumn.decode(Payload.self, from: input), attempts: attempts,
            lastFailure: try JSONColumn.decode(Failure.self, from: failure) ?? Failure(message: "", type: ""),
            heartbeatDetails: try JSONColumn.decode(Payload.self, from: details), deadAt: deadAt, state: state, handledAt: handledAt)
    }

    /// Parks an activity (its state defaults to `Pending`).
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.dead_letters (id, namespace, run_id, workflow_id, workflow_type, activity_id, activity_type, task_queue, input, options,
                scheduled_event_id, scheduled_at, attempts, last_failure, heartbeat_details, dead_at)
            VALUES (\(p.bind("uuid") { $0.id }), \(p.bind("text") { $0.run.namespace }), \(p.bind("uuid") { $0.run.runId }),
                \(p.bind("text") { $0.run.workflowId }), \(p.bind("text") { $0.run.workflowType }), \(p.bind("text") { $0.row.activityId }),
                \(p.bind("text") { $0.row.activityType }), \(p.bind("text") { $0.row.taskQueue }),
                \(p.bind("text") { try JSONColumn.encodeIfPresent($0.row.input) })::jsonb, \(p.bind("text") { try JSONColumn.encode($0.row.options) })::jsonb,
                \(p.bind("bigint") { $0.row.scheduledEventId }), \(p.bind("timestamptz") { $0.row.scheduledAt }), \(p.bind("bigint") { $0.row.attempt }),
                \(p.bind("text") { try JSONColumn.encode($0.failure) })::jsonb,
                \(p.bind("text") { try JSONColumn.encodeIfPresent($0.row.heartbeatDetails) })::jsonb, \(p.bind("timestamptz") { $0.now }))
            """
        }
        typealias Row = Void
        var id: UUID
        var run: LockedRun
        var row: ActivityRow
        var failure: Failure
        var now: Date
    }

    /// A namespace's dead letters, newest first, optionally in one state, after a keyset cursor
    /// on (dead_at, id).
    struct List: DescribedStatement {
        static let statement = Statement<Self> { p in
            let state = p.bind("text") { $0.state }
            let afterTime = p.bind("timestamptz") { $0.after?.deadAt }
            return """
                SELECT \(columns) FROM reprise.dead_letters
                WHERE namespace = \(p.bind("text") { $0.namespace }) AND (\(state) IS NULL OR state = \(state))
                  AND (\(afterTime) IS NULL OR (dead_at, id) < (\(afterTime), \(p.bind("uuid") { $0.after?.id })))
                ORDER BY dead_at DESC, id DESC LIMIT \(p.bind("bigint") { $0.limit })
                """
        }
        typealias Row = Columns
        var namespace: String
        var state: String?
        var limit: Int
        var after: (deadAt: Date, id: UUID)?

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// One dead letter of a namespace.
    struct Get: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT \(columns) FROM reprise.dead_letters WHERE namespace = \(p.bind("text") { $0.namespace }) AND id = \(p.bind("uuid") { $0.id })"
        }
        typealias Row = Columns
        var namespace: String
        var id: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks a dead letter while it is pending, read as the activity row it was parked from.
    struct LockPending: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id, activity_id, activity_type, task_queue, input::text, options::text, scheduled_event_id, scheduled_at, attempts,
                NULL::text, heartbeat_details::text, NULL::timestamptz
            FROM reprise.dead_letters WHERE id = \(p.bind("uuid") { $0.id }) AND state = '\(DeadLetterState.pending.rawValue)' FOR UPDATE
            """
        }
        typealias Row = ActivityRow.Columns
        var id: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Records how an operator handled a dead letter.
    struct MarkHandled: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.dead_letters SET state = \(p.bind("text") { $0.state.rawValue }), handled_at = \(p.bind("timestamptz") { $0.now }),
                handled_by = \(p.bind("text") { $0.identity })
            WHERE id = \(p.bind("uuid") { $0.id })
            """
        }
        typealias Row = Void
        var id: UUID
        var state: DeadLetterState
        var identity: String?
        var now: Date
    }

    /// A dead letter's last failure, as JSON text.
    struct LastFailure: DescribedStatement {
        static let statement = Statement<Self> { p in "SELECT last_failure::text FROM reprise.dead_letters WHERE id = \(p.bind("uuid") { $0.id })" }
        typealias Row = String
        var id: UUID
    }
}
