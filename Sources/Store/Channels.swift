import PostgresNIO

/// LISTEN/NOTIFY channel names. A task queue's channels are per (namespace, queue), so a worker is
/// woken only for the namespaces it serves (issue 15). Names are hashed so any fits Postgres's
/// 63-byte limit; a collision only wakes a poller for nothing.
public enum Channel {
    public static func workflowTasks(namespace: String, queue: String) -> String { "reprise_wt_\(hash(namespace, queue))" }
    public static func activityTasks(namespace: String, queue: String) -> String { "reprise_at_\(hash(namespace, queue))" }
    public static let timers = "reprise_timers"
    /// Rung when a schedule is created, unpaused or triggered, to wake the schedule service.
    public static let schedules = "reprise_schedules"
    /// Rung when a child's close is held because its parent's row was busy, to wake the lease reaper.
    public static let heldEvents = "reprise_held_events"
    /// Carries the id of each run that closes, for the history long-polls waiting on it.
    public static let runClosed = "reprise_run_closed"
    /// Rung when a query waits for a worker; the payload is the query's namespace and task queue
    /// (``queryTarget(namespace:queue:)``), so a worker of another queue ignores it.
    public static let queries = "reprise_queries"
    /// Carries the id of each answered query, for the API request waiting on it.
    public static let queryAnswered = "reprise_query_answered"

    /// Carries `runId/updateId` of each update whose handler ended, for the request waiting on it.
    public static let updateCompleted = "reprise_update_completed"

    /// The payload of a ``queries`` notification: namespace and queue, split by a unit separator
    /// (which no identifier holds: they refuse control characters).
    public static func queryTarget(namespace: String, queue: String) -> String { namespace + "\u{1F}" + queue }

    /// FNV-1a over the namespace, a NUL (which no identifier holds) and the queue.
    private static func hash(_ namespace: String, _ queue: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array(namespace.utf8) + [0] + Array(queue.utf8) {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

extension Store {
    /// Wakes pollers listening on `channel` once the transaction commits.
    func notify(_ channel: String, on connection: PostgresConnection) async throws {
        try await connection.run(NotifyStatement(channel: channel), logger: logger)
    }
}

/// Wakes the listeners of a channel once the transaction commits.
struct NotifyStatement: DescribedStatement {
    static let statement = Statement<Self> { p in "SELECT pg_notify(\(p.bind("text") { $0.channel }), '')::text" }
    typealias Row = Void
    var channel: String
}
