import Foundation
import PostgresNIO

/// `timers`: a run's started timers that have not fired or been canceled, keyed by (run, timer
/// id). A row is deleted as its timer fires (``TakeDue``), so each timer fires exactly once, even
/// with several timer services.
enum TimersTable {
    /// The runs of the earliest `limit` due timers, each once.
    struct DueRuns: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT DISTINCT run_id FROM (
                SELECT run_id FROM reprise.timers WHERE fire_at <= \(p.bind("timestamptz") { $0.now }) ORDER BY fire_at LIMIT \(p.bind("bigint") { $0.limit })
            ) t
            """
        }
        typealias Row = UUID
        var now: Date
        var limit: Int
    }

    /// Deletes the due timers of some runs (locked by the caller) and returns them: their firing.
    struct TakeDue: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            DELETE FROM reprise.timers WHERE run_id = ANY(\(p.bind("uuid[]") { $0.runIds })) AND fire_at <= \(p.bind("timestamptz") { $0.now })
            RETURNING run_id, timer_id, started_event_id, fire_at
            """
        }
        /// Run id, timer id, the id of the timer's `TimerStarted`, and when it was due.
        typealias Row = (UUID, String, Int64, Date)
        var runIds: [UUID]
        var now: Date

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A run's timers that have not fired, by fire time, then in the order they were started.
    struct Pending: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT timer_id, fire_at FROM reprise.timers WHERE run_id = \(p.bind("uuid") { $0.runId }) ORDER BY fire_at, started_event_id"
        }
        typealias Row = (String, Date)
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Starts timers of one run: each its id, fire time and the id of its `TimerStarted`.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.timers (run_id, timer_id, fire_at, started_event_id)
            SELECT \(p.bind("uuid") { $0.runId }), id, fire_at, event_id
            FROM unnest(\(p.bind("text[]") { $0.timers.map(\.timerId) }), \(p.bind("timestamptz[]") { $0.timers.map(\.fireAt) }),
                \(p.bind("bigint[]") { $0.timers.map(\.startedEventId) }))
                AS t(id, fire_at, event_id)
            """
        }
        typealias Row = Void
        var runId: UUID
        var timers: [(timerId: String, fireAt: Date, startedEventId: Int64)]
    }

    /// Cancels timers of one run: deletes their rows.
    struct Cancel: DescribedStatement {
        static let statement = Statement<Self> { p in
            "DELETE FROM reprise.timers WHERE run_id = \(p.bind("uuid") { $0.runId }) AND timer_id = ANY(\(p.bind("text[]") { $0.timerIds }))"
        }
        typealias Row = Void
        var runId: UUID
        var timerIds: [String]
    }

    /// The id of the `TimerStarted` of a run's timer that has not fired.
    struct StartedEventId: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT started_event_id FROM reprise.timers WHERE run_id = \(p.bind("uuid") { $0.runId }) AND timer_id = \(p.bind("text") { $0.timerId })"
        }
        typealias Row = Int64
        var runId: UUID
        var timerId: String
    }
}
