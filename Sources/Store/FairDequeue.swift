/// Fair dequeue across namespaces (issue 15): a task queue's tasks belong to their run's
/// namespace, a poll takes only the namespaces its worker serves, and one namespace's backlog does
/// not starve another's tasks on the same queue name. And only the types its worker registered
/// (issue 18): workers with different registries can share a queue, none taking what it cannot run.
///
/// A poll takes up to `limit` ready rows per served namespace and type (each by the `(task_queue,
/// namespace, type, visible_at)` index, locked `SKIP LOCKED`), then keeps `limit` of them
/// round-robin across namespaces: every namespace's oldest, then every namespace's second oldest,
/// and so on (within a namespace, oldest first whatever the type); within a round, in the order the
/// namespaces are given. The worker rotates that order poll by poll, so even a worker with one
/// free slot serves each namespace with ready tasks at least once every `namespaces.count` polls.
/// Rows of types the poll does not ask for are never read, however many wait.
/// The rows a poll locked but did not keep are unlocked when its statement commits: with a backlog
/// in several of the poll's types, that is up to `limit` rows per (namespace, type) locked for
/// the statement's span (docs/performance.md, "Polls by type").
enum FairDequeue {
    /// What a poll asks for, as placeholders its statement bound (``SQLParameters``).
    struct Poll {
        /// The time (`timestamptz`).
        var now: String
        /// The task queue (`text`).
        var queue: String
        /// The served namespaces, in order (`text[]`).
        var namespaces: String
        /// The most rows to lease (`bigint`).
        var limit: String
        /// The types the poll takes (`text[]`), matched against the table's type column.
        var types: String
    }

    /// A CTE `picked` of the ready rows of `table` to lease, with the columns `keys`, `carried`
    /// and `visible_at` (when the row became ready, for schedule-to-start latency); `typeColumn`
    /// holds a row's type; `ready` is the rest of the readiness condition.
    static func picked(from table: String, keys: String, carried: String = "", typeColumn: String, ready: String, _ poll: Poll) -> String {
        let columns = keys + (carried.isEmpty ? "" : ", \(carried)")
        return """
            served AS (
                SELECT namespace, turn FROM unnest(\(poll.namespaces)) WITH ORDINALITY AS s(namespace, turn)
            ), candidates AS (
                SELECT c.*, s.turn FROM served s CROSS JOIN unnest(\(poll.types)) AS k(type) CROSS JOIN LATERAL (
                    SELECT \(columns), visible_at FROM \(table)
                    WHERE task_queue = \(poll.queue) AND namespace = s.namespace AND \(typeColumn) = k.type AND \(ready)
                        AND visible_at <= \(poll.now)
                    ORDER BY visible_at LIMIT \(poll.limit) FOR UPDATE SKIP LOCKED
                ) c
            ), picked AS (
                SELECT \(columns), visible_at FROM (
                    SELECT *, row_number() OVER (PARTITION BY turn ORDER BY visible_at) AS round FROM candidates
                ) r
                ORDER BY round, turn LIMIT \(poll.limit)
            )
            """
    }

    /// The namespaces in the order a poll serves them: deduplicated, first seen first. Throws
    /// when there are none, so that a misconfigured worker fails loudly rather than idles.
    static func served(_ namespaces: [String]) throws -> [String] {
        var seen: Set<String> = []
        let served = namespaces.filter { seen.insert($0).inserted }
        guard !served.isEmpty else { throw StoreError(.invalidArgument, "namespaces must name at least one namespace to poll") }
        return served
    }

    /// The types a poll takes, deduplicated (a type named twice would be read twice). None is
    /// allowed: the poll then takes nothing.
    static func types(_ types: [String]) -> [String] {
        var seen: Set<String> = []
        return types.filter { seen.insert($0).inserted }
    }
}
