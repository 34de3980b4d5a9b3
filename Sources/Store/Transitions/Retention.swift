import Foundation
import PostgresNIO

/// Retention: a closed run, with its history and dead letters, is deleted once its namespace's
/// `retention_days` have passed since it closed. Its request ids go with it (`ON DELETE CASCADE`).
struct DeleteExpiredRuns: DescribedStatement {
    static let statement = Statement<Self> { p in
        """
        WITH doomed AS (
            SELECT e.run_id FROM reprise.workflow_executions e JOIN reprise.namespaces n ON n.name = e.namespace
            WHERE e.close_time IS NOT NULL AND e.close_time < \(p.bind("timestamptz") { $0.now }) - n.retention_days * interval '1 day'
            LIMIT \(p.bind("bigint") { $0.batchSize })
        ), history AS (
            DELETE FROM reprise.history_events WHERE run_id IN (SELECT run_id FROM doomed)
        ), letters AS (
            DELETE FROM reprise.dead_letters WHERE run_id IN (SELECT run_id FROM doomed)
        )
        DELETE FROM reprise.workflow_executions WHERE run_id IN (SELECT run_id FROM doomed) RETURNING 1
        """
    }
    typealias Row = Int
    var now: Date
    var batchSize: Int
}

/// Retention of webhook deliveries: a delivered one is deleted once its namespace's retention has
/// passed since it was handled, and its event id is forgotten with it, so a provider's redelivery
/// is recognised for that long (Stripe retries for three days; the default retention is seven).
/// A dead-lettered one waits for an operator, however old.
struct DeleteExpiredWebhookDeliveries: DescribedStatement {
    static let statement = Statement<Self> { p in
        """
        WITH doomed AS (
            SELECT d.id FROM reprise.webhook_deliveries d JOIN reprise.namespaces n ON n.name = d.namespace
            WHERE d.state = '\(WebhookDeliveryState.delivered.rawValue)'
                AND d.handled_at < \(p.bind("timestamptz") { $0.now }) - n.retention_days * interval '1 day'
            LIMIT \(p.bind("bigint") { $0.batchSize })
        )
        DELETE FROM reprise.webhook_deliveries WHERE id IN (SELECT id FROM doomed) RETURNING 1
        """
    }
    typealias Row = Int
    var now: Date
    var batchSize: Int
}

extension Store {
    /// Deletes delivered webhook deliveries once their namespace's retention has passed, in
    /// batches (``DeleteExpiredWebhookDeliveries``).
    ///
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteExpiredWebhookDeliveries(at now: Date, batchSize: Int = 500) async throws -> Int {
        var count = 0
        for try await _ in try await pool.execute(DeleteExpiredWebhookDeliveries(now: now, batchSize: batchSize), logger: logger) { count += 1 }
        return count
    }

    /// Deletes closed runs, with their history and dead letters, once their namespace's retention
    /// has passed. Work goes in batches so a large backlog never holds long locks.
    ///
    /// - Returns: how many runs were deleted.
    @discardableResult
    public func deleteExpiredRuns(at now: Date, batchSize: Int = 500) async throws -> Int {
        var count = 0
        for try await _ in try await pool.execute(DeleteExpiredRuns(now: now, batchSize: batchSize), logger: logger) { count += 1 }
        return count
    }
}
