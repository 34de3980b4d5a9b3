import Foundation
import PostgresNIO

/// What a request id makes idempotent: the `kind` column of `request_ids`.
enum RequestKind: String, Sendable {
    case start
    case signal
}

/// `request_ids`: the run each request id resolved to, per (namespace, workflow id, kind), so a
/// repeated start or signal answers as the first did. Rows go with their run (`ON DELETE CASCADE`).
enum RequestIdsTable {
    /// A request's identity, the table's primary key.
    struct Key: Sendable {
        var kind: RequestKind
        var namespace: String
        var workflowId: String
        var requestId: String

        /// The key of its advisory lock: the parts, split by a unit separator.
        var lockKey: String { [kind.rawValue, namespace, workflowId, requestId].joined(separator: "\u{1F}") }
    }

    /// Takes a request id's advisory lock until the transaction ends. A hash collision only makes
    /// two requests wait for each other.
    struct Lock: DescribedStatement {
        static let statement = Statement<Self> { p in
            "SELECT pg_advisory_xact_lock(hashtextextended(\(p.bind("text") { $0.request.lockKey }), 0))"
        }
        typealias Row = Void
        var request: Key
    }

    /// The run an earlier request with this id resolved to.
    struct Find: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            SELECT run_id FROM reprise.request_ids
            WHERE namespace = \(p.bind("text") { $0.request.namespace }) AND workflow_id = \(p.bind("text") { $0.request.workflowId })
                AND kind = \(p.bind("text") { $0.request.kind.rawValue }) AND request_id = \(p.bind("text") { $0.request.requestId })
            """
        }
        typealias Row = UUID
        var request: Key
    }

    /// Records the run a request resolved to.
    struct Insert: DescribedStatement {
        static let statement = Statement<Self> { p in
            """
            INSERT INTO reprise.request_ids (namespace, workflow_id, kind, request_id, run_id)
            VALUES (\(p.bind("text") { $0.request.namespace }), \(p.bind("text") { $0.request.workflowId }),
                \(p.bind("text") { $0.request.kind.rawValue }), \(p.bind("text") { $0.request.requestId }), \(p.bind("uuid") { $0.runId }))
            """
        }
        typealias Row = Void
        var request: Key
        var runId: UUID
    }
}
