import Foundation
import PostgresNIO
import Schedules
import Workflow

/// `schedules`: one row per schedule, keyed by (namespace, schedule id). The schedule service locks
/// a due row (`FOR UPDATE SKIP LOCKED`), acts on its ticks and writes its state back (``Save``) in
/// one transaction, so two servers never act on one tick.
enum SchedulesTable {
    /// The columns every read returns, in ``decode(_:)``'s order.
    static let columns = """
        namespace, schedule_id, spec::text, action::text, overlap_policy, catchup_window_seconds, paused, note, next_nominal_time,
        next_action_time, buffered::text, last_run_id, recent_actions::text, action_count, missed_catchup_window, overlap_skipped,
        created_at, updated_at
        """

    static func decode(_ row: PostgresRow) throws -> Schedule {
        let (namespace, scheduleId, spec, action, policy, window, paused, note, nextNominal) = try row.decode(
            (String, String, String, String, String, Double, Bool, String, Date?).self)
        let cells = row.makeRandomAccess()
        guard let overlapPolicy = ScheduleOverlapPolicy(rawValue: policy) else {
            throw StoreError(.invalidArgument, "schedule \"\(scheduleId)\" has an unknown overlap policy \"\(policy)\"")
        }
        // Both columns are NOT NULL, so each decodes to a value or throws.
        guard let spec = try JSONColumn.decode(ScheduleSpec.self, from: spec),
            let action = try JSONColumn.decode(ScheduleWorkflowAction.self, from: action)
        else { throw StoreError(.invalidArgument, "schedule \"\(scheduleId)\" has no spec or action") }
        var schedule = Schedule(
            namespace: namespace, scheduleId: scheduleId, spec: spec, action: action, overlapPolicy: overlapPolicy,
            catchupWindow: .milliseconds(Int64((window * 1000).rounded())), paused: paused, note: note,
            at: try cells[16].decode(Date.self))
        schedule.nextNominalTime = nextNominal
        schedule.nextActionTime = try cells[9].decode(Date?.self)
        schedule.buffered = try JSONColumn.decode([Date].self, from: try cells[10].decode(String.self)) ?? []
        schedule.lastRunId = try cells[11].decode(UUID?.self)
        schedule.recentActions = try JSONColumn.decode([ScheduleRecentAction].self, from: try cells[12].decode(String.self)) ?? []
        schedule.actionCount = try cells[13].decode(Int64.self)
        schedule.missedCatchupWindow = try cells[14].decode(Int64.self)
        schedule.overlapSkipped = try cells[15].decode(Int64.self)
        schedule.updatedAt = try cells[17].decode(Date.self)
        return schedule
    }

    /// Creates a schedule; answers nothing when the id is taken in the namespace.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.schedules (namespace, schedule_id, spec, action, overlap_policy, catchup_window_seconds, paused, note,
                next_nominal_time, next_action_time, created_at, updated_at)
            VALUES (\(p.bind("text") { $0.schedule.namespace }), \(p.bind("text") { $0.schedule.scheduleId }),
                \(p.bind("text") { try JSONColumn.encode($0.schedule.spec) })::jsonb, \(p.bind("text") { try JSONColumn.encode($0.schedule.action) })::jsonb,
                \(p.bind("text") { $0.schedule.overlapPolicy.rawValue }), \(p.bind("float8") { $0.schedule.catchupWindow.seconds }),
                \(p.bind("boolean") { $0.schedule.paused }), \(p.bind("text") { $0.schedule.note }),
                \(p.bind("timestamptz") { $0.schedule.nextNominalTime }), \(p.bind("timestamptz") { $0.schedule.nextActionTime }),
                \(p.bind("timestamptz") { $0.schedule.createdAt }), \(p.bind("timestamptz") { $0.schedule.updatedAt }))
            ON CONFLICT (namespace, schedule_id) DO NOTHING RETURNING 1
            """
        }
        typealias Row = Int
        var schedule: Schedule
    }

    /// Writes back what firing, pausing or a trigger changed.
    struct Save: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            UPDATE reprise.schedules SET paused = \(p.bind("boolean") { $0.schedule.paused }), note = \(p.bind("text") { $0.schedule.note }),
                next_nominal_time = \(p.bind("timestamptz") { $0.schedule.nextNominalTime }),
                next_action_time = \(p.bind("timestamptz") { $0.schedule.nextActionTime }),
                buffered = \(p.bind("text") { try JSONColumn.encode($0.schedule.buffered) })::jsonb,
                last_run_id = \(p.bind("uuid") { $0.schedule.lastRunId }),
                recent_actions = \(p.bind("text") { try JSONColumn.encode($0.schedule.recentActions) })::jsonb,
                action_count = \(p.bind("bigint") { $0.schedule.actionCount }),
                missed_catchup_window = \(p.bind("bigint") { $0.schedule.missedCatchupWindow }),
                overlap_skipped = \(p.bind("bigint") { $0.schedule.overlapSkipped }), updated_at = \(p.bind("timestamptz") { $0.schedule.updatedAt })
            WHERE namespace = \(p.bind("text") { $0.schedule.namespace }) AND schedule_id = \(p.bind("text") { $0.schedule.scheduleId })
            """
        }
        typealias Row = Void
        var schedule: Schedule
    }

    /// The schedules whose next tick is due, longest due first, at most `limit`.
    struct Due: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT namespace, schedule_id FROM reprise.schedules
            WHERE NOT paused AND next_action_time <= \(p.bind("timestamptz") { $0.now })
            ORDER BY next_action_time LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = (String, String)
        var now: Date
        var limit: Int
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The schedules holding buffered ticks whose last run has closed, at most `limit`.
    struct Released: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT namespace, schedule_id FROM reprise.schedules s
            WHERE NOT paused AND buffered <> '[]'::jsonb AND NOT EXISTS (
                SELECT 1 FROM reprise.workflow_executions e WHERE e.run_id = s.last_run_id AND e.status IN \(ExecutionsTable.openStatuses))
            LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = (String, String)
        var limit: Int
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Locks a schedule that is still due (a tick or buffered ticks), skipping it when another
    /// server holds it: that server is firing it.
    struct LockIfDue: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(columns) FROM reprise.schedules
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND schedule_id = \(p.bind("text") { $0.scheduleId }) AND NOT paused
                AND (next_action_time <= \(p.bind("timestamptz") { $0.now }) OR buffered <> '[]'::jsonb)
            FOR UPDATE SKIP LOCKED
            """
        }
        typealias Row = Schedule
        var namespace: String
        var scheduleId: String
        var now: Date
        func decodeRow(_ row: PostgresRow) throws -> Row { try SchedulesTable.decode(row) }
    }

    /// Locks one schedule, for a pause, trigger, backfill or delete.
    struct Lock: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(columns) FROM reprise.schedules
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND schedule_id = \(p.bind("text") { $0.scheduleId }) FOR UPDATE
            """
        }
        typealias Row = Schedule
        var namespace: String
        var scheduleId: String
        func decodeRow(_ row: PostgresRow) throws -> Row { try SchedulesTable.decode(row) }
    }

    /// A namespace's schedules by id, after `after` (a keyset cursor), at most `limit`.
    struct List: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(columns) FROM reprise.schedules
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND schedule_id > \(p.bind("text") { $0.after })
            ORDER BY schedule_id LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = Schedule
        var namespace: String
        var after: String
        var limit: Int
        func decodeRow(_ row: PostgresRow) throws -> Row { try SchedulesTable.decode(row) }
    }

    /// Deletes a schedule; answers a row when there was one.
    struct Delete: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            DELETE FROM reprise.schedules WHERE namespace = \(p.bind("text") { $0.namespace }) AND schedule_id = \(p.bind("text") { $0.scheduleId })
            RETURNING 1
            """
        }
        typealias Row = Int
        var namespace: String
        var scheduleId: String
    }
}

extension SchedulesTable {
    /// Reads one schedule without locking it, for describe.
    struct Get: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(columns) FROM reprise.schedules
            WHERE namespace = \(p.bind("text") { $0.namespace }) AND schedule_id = \(p.bind("text") { $0.scheduleId })
            """
        }
        typealias Row = Schedule
        var namespace: String
        var scheduleId: String
        func decodeRow(_ row: PostgresRow) throws -> Row { try SchedulesTable.decode(row) }
    }
}
