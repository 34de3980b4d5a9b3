import Foundation
import PostgresNIO

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
        let request = RequestIdsTable.Key(kind: kind, namespace: namespace, workflowId: workflowId, requestId: requestId)
        // The lock is its own statement: the lookup's snapshot must be taken after the lock is held.
        try await connection.run(RequestIdsTable.Lock(request: request), logger: logger)
        for try await runId in try await connection.execute(RequestIdsTable.Find(request: request), logger: logger) { return runId }
        return nil
    }

    /// Records that the request with this id resolved to `runId`, in the transaction that did its work.
    func recordRequest(
        _ kind: RequestKind, namespace: String, workflowId: String, requestId: String, runId: UUID, on connection: PostgresConnection
    ) async throws {
        let request = RequestIdsTable.Key(kind: kind, namespace: namespace, workflowId: workflowId, requestId: requestId)
        try await connection.run(RequestIdsTable.Insert(request: request, runId: runId), logger: logger)
    }
}
