import Foundation
import PostgresNIO
import Workflow

/// `history_events`: each run's events, numbered densely from 1, never changed once written.
enum HistoryTable {
    /// The columns a read returns: id, time, attributes as text, type.
    static let columns = "event_id, event_time, attributes::text, event_type"
    typealias Columns = (Int64, Date, String, String)

    /// An event from its ``columns``: reassembled into the API's JSON shape and decoded once.
    static func event(_ columns: Columns) throws -> HistoryEvent {
        let (id, time, attributes, type) = columns
        let json = "{\"eventId\":\(id),\"eventTime\":\"\(RFC3339.format(time))\",\"eventType\":\"\(type)\",\"attributes\":\(attributes)}"
        return try JSONCoding.decoder.decode(HistoryEvent.self, from: Data(json.utf8))
    }

    /// Inserts events of several runs, bound as five arrays for `unnest`, as `e`; the caller may
    /// add a `WHERE` on `e.run_id`. The attributes travel as `{"attributes": …}` text
    /// (``HistoryEvent/wrappedAttributesJSON()``).
    static func insert<Input>(
        _ p: inout SQLParameters<Input>, _ events: @escaping @Sendable (Input) -> [(runId: UUID, event: HistoryEvent)]
    ) -> String {
        """
        INSERT INTO reprise.history_events (run_id, event_id, event_type, event_time, attributes)
        SELECT e.run_id, e.id, e.type, e.time, e.attributes::jsonb -> 'attributes'
        FROM unnest(\(p.bind("uuid[]") { events($0).map(\.runId) }), \(p.bind("bigint[]") { events($0).map(\.event.eventId) }),
            \(p.bind("text[]") { events($0).map(\.event.eventType.rawValue) }), \(p.bind("timestamptz[]") { events($0).map(\.event.eventTime) }),
            \(p.bind("text[]") { try events($0).map { try $0.event.wrappedAttributesJSON() } }))
            AS e(run_id, id, type, time, attributes)
        """
    }

    /// Inserts events of several runs as they are.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in HistoryTable.insert(&p) { $0.events } }
        typealias Row = Void
        var events: [(runId: UUID, event: HistoryEvent)]
    }

    /// Appends a run's events and advances its `next_event_id`, in one round trip.
    struct Append: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            WITH appended AS (
                \(HistoryTable.insert(&p) { input in input.events.map { (input.runId, $0) } })
            )
            UPDATE reprise.workflow_executions SET next_event_id = \(p.bind("bigint") { $0.nextEventId }) WHERE run_id = \(p.bind("uuid") { $0.runId })
            """
        }
        typealias Row = Void
        var runId: UUID
        var nextEventId: Int64
        var events: [HistoryEvent]
    }

    /// A run's events after an event id, in order: all of them, or the first `limit`.
    struct Read: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT \(HistoryTable.columns) FROM reprise.history_events
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND event_id > \(p.bind("bigint") { $0.afterEventId })
            ORDER BY event_id LIMIT \(p.bind("bigint") { $0.limit })
            """
        }
        typealias Row = Columns
        var runId: UUID
        var afterEventId: Int64
        /// At most this many; nil (`LIMIT NULL`) reads them all.
        var limit: Int64?

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The id of the `ActivityTaskScheduled` event of a run's activity, for a cancel command.
    struct ActivityScheduledEventId: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT event_id FROM reprise.history_events
            WHERE run_id = \(p.bind("uuid") { $0.runId }) AND event_type = '\(EventType.activityTaskScheduled.rawValue)'
                AND attributes->>'activityId' = \(p.bind("text") { $0.activityId })
            """
        }
        typealias Row = Int64
        var runId: UUID
        var activityId: String
    }

    /// How many signals a run got after its last `WorkflowTaskStarted`: the ones no workflow task
    /// has seen yet.
    struct UnseenSignals: DescribedStatement {
        static let statement = Statement<Self> { p in
            let runId = p.bind("uuid") { $0.runId }
            return """
                SELECT count(*)::int FROM reprise.history_events
                WHERE run_id = \(runId) AND event_type = '\(EventType.workflowExecutionSignaled.rawValue)'
                    AND event_id > COALESCE((
                        SELECT event_id FROM reprise.history_events WHERE run_id = \(runId) AND event_type = '\(EventType.workflowTaskStarted.rawValue)'
                        ORDER BY event_id DESC LIMIT 1), 0)
                """
        }
        typealias Row = Int
        var runId: UUID
    }

    /// A run's last event.
    struct ReadLast: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT \(HistoryTable.columns) FROM reprise.history_events WHERE run_id = \(p.bind("uuid") { $0.runId }) ORDER BY event_id DESC LIMIT 1"
        }
        typealias Row = Columns
        var runId: UUID

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}
