import Foundation
import Logging
import ServiceLifecycle
import Store

/// Deletes closed runs, and delivered webhook deliveries, once their namespace's retention has
/// passed, in batches, hourly.
public struct RetentionService: Service {
    let store: Store
    let clock: any EngineClock
    let logger: Logger
    public var interval: Duration = RetentionService.defaultInterval
    /// How soon a round that failed (Postgres away) is tried again, rather than an hour later.
    public var retryInterval: Duration = RetentionService.defaultRetryInterval
    /// The default of ``interval``.
    public static let defaultInterval: Duration = .seconds(3600)
    /// The default of ``retryInterval``.
    public static let defaultRetryInterval: Duration = .seconds(60)
    /// How long a batch's database call may take before it is abandoned.
    public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout

    public init(store: Store, clock: any EngineClock = SystemClock(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.deleteUntilCanceled() }
    }

    private func deleteUntilCanceled() async {
        while !Task.isCancelled {
            var wait = interval
            do {
                let runs = try await deleteInBatches { try await store.deleteExpiredRuns(at: $0) }
                if runs > 0 { logger.info("Deleted runs past retention", metadata: ["runs": "\(runs)"]) }
                let deliveries = try await deleteInBatches { try await store.deleteExpiredWebhookDeliveries(at: $0) }
                if deliveries > 0 { logger.info("Deleted webhook deliveries past retention", metadata: ["deliveries": "\(deliveries)"]) }
            } catch {
                if Task.isCancelled { break }
                logger.warning("Retention round failed", metadata: ["error": "\(String(reflecting: error))"])
                wait = retryInterval
            }
            try? await Task.sleep(for: wait)
        }
    }

    /// Runs `batch` until it deletes nothing; returns how many it deleted in all.
    private func deleteInBatches(_ batch: @escaping @Sendable (Date) async throws -> Int) async throws -> Int {
        var deleted = 0
        while true {
            // A call that hangs (Postgres restarting under it) is abandoned, or retention would stop for good.
            let count = try await abandoning(after: databaseCallTimeout) { try await batch(clock.now) }
            deleted += count
            if count == 0 { return deleted }
        }
    }
}
