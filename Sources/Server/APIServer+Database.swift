import Store

extension APIServer {
    /// Runs one database call made for a request, abandoned after ``Configuration/databaseCallTimeout``.
    ///
    /// Every route reaches Postgres through here, so no request hangs on a connection that
    /// Postgres dropped mid-query or on a pool waiting out its reconnect backoff: the caller gets
    /// a 503 `DatabaseUnavailable` (``APIError/from(_:)`` maps `AbandonedOperationError`) and may
    /// retry. A long-poll's wait is not a database call; only its reads come through here.
    func database<T: Sendable>(_ call: @escaping @Sendable () async throws -> T) async throws -> T {
        try await abandoning(after: configuration.databaseCallTimeout, call)
    }

    /// Whether the database answers within ``Configuration/readinessTimeout``, for `/readyz`.
    func databaseIsReady() async -> Bool {
        do {
            _ = try await abandoning(after: configuration.readinessTimeout) { [store] in try await store.namespaceExists("default") }
            return true
        } catch {
            return false
        }
    }
}
