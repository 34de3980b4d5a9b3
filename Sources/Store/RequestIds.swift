import Foundation
import PostgresNIO

/// What a request id makes idempotent: the `kind` column of `request_ids`.
enum RequestKind: String, Sendable {
    case start
    case signal
}

extension Store {
    /// Checks a request id given from outside: an identifier (``Limits/checkIdentifier(_:field:)``).
    ///
    /// - Throws: ``StoreError`` `InvalidArgument`, naming `requestId`.
    func checkRequestId(_ requestId: String?) throws {
        if let requestId { try limits.checkIdentifier(requestId, field: "requestId") }
    }

    /// The run an earlier request with this id resolved to, if any. Holds the request id's lock
    /// until the transaction ends, so that a repeat sent while the first is still being written
    /// waits for it and then sees its row, instead of racing it into a second run or signal.
    func claimRequest(
        _ kind: RequestKind, namespace: String, workflowId: String, requestId: String, on connection: PostgresConnection
    ) async throws -> UUID? {
        // A hash collision only makes two requests wait for each other. The lock is its own
        // statement: the lookup's snapshot must be taken after the lock is held.
        let key = [kind.rawValue, namespace, workflowId, requestId].joined(separator: "\u{1F}")
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
        let rows = try await connection.query(
            """
            SELECT run_id FROM request_ids
            WHERE namespace = \(namespace) AND workflow_id = \(workflowId) AND kind = \(kind.rawValue) AND request_id = \(requestId)
            """, logger: logger)
        for try await runId in rows.decode(UUID.self) { return runId }
        return nil
    }

    /// Records that the request with this id resolved to `runId`, in the transaction that did its work.
    func recordRequest(
        _ kind: RequestKind, namespace: String, workflowId: String, requestId: String, runId: UUID, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO request_ids (namespace, workflow_id, kind, request_id, run_id)
            VALUES (\(namespace), \(workflowId), \(kind.rawValue), \(requestId), \(runId))
            """, logger: logger)
    }
}
