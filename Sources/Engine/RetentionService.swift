import Foundation
import Logging
import ServiceLifecycle
import Store

/// Deletes closed runs once their namespace's retention has passed, in batches, hourly.
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
                var deleted = 0
                while true {
                    // A call that hangs (Postgres restarting under it) is abandoned, or retention would stop for good.
                    let batch = try await abandoning(after: databaseCallTimeout) { try await store.deleteExpiredRuns(at: clock.now) }
                    deleted += batch
                    if batch == 0 { break }
                }
                if deleted > 0 { logger.info("Deleted runs past retention", metadata: ["runs": "\(deleted)"]) }
            } catch {
                if Task.isCancelled { break }
                logger.warning("Retention round failed", metadata: ["error": "\(String(reflecting: error))"])
                wait = retryInterval
            }
            try? await Task.sleep(for: wait)
        }
    }
}
