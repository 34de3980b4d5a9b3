/// Fair dequeue across namespaces (issue 15): a task queue's tasks belong to their run's
/// namespace, a poll takes only the namespaces its worker serves, and one namespace's backlog does
/// not starve another's tasks on the same queue name.
///
/// A poll takes up to `limit` ready rows per served namespace (each by the `(task_queue,
/// namespace, visible_at)` index, locked `SKIP LOCKED`), then keeps `limit` of them round-robin:
/// every namespace's oldest, then every namespace's second oldest, and so on; within a round, in
/// the order the namespaces are given. The worker rotates that order poll by poll, so even a
/// worker with one free slot serves each namespace with ready tasks at least once every
/// `namespaces.count` polls. With one namespace this is the single index scan it always was.
/// The rows a poll locked but did not keep are unlocked when its statement commits.
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
    }

    /// A CTE `picked` of the ready rows of `table` to lease, with the columns `keys` and
    /// `carried`; `ready` is the rest of the readiness condition.
    static func picked(from table: String, keys: String, carried: String = "", ready: String, _ poll: Poll) -> String {
        let columns = keys + (carried.isEmpty ? "" : ", \(carried)")
        return """
            served AS (
                SELECT namespace, turn FROM unnest(\(poll.namespaces)) WITH ORDINALITY AS s(namespace, turn)
            ), candidates AS (
                SELECT c.*, s.turn FROM served s CROSS JOIN LATERAL (
                    SELECT \(columns), visible_at FROM \(table)
                    WHERE task_queue = \(poll.queue) AND namespace = s.namespace AND \(ready) AND visible_at <= \(poll.now)
                    ORDER BY visible_at LIMIT \(poll.limit) FOR UPDATE SKIP LOCKED
                ) c
            ), picked AS (
                SELECT \(columns) FROM (
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
}
