import Logging
import ServiceLifecycle
import Store
import Workers

/// Samples `reprise_dead_letters_pending` and `reprise_runs_paused` on an interval: one count
/// query per interval, whatever the traffic, rather than any work per request or step.
public struct OperationalGauges: Service {
    let store: Store
    let logger: Logger
    /// How often the gauges are sampled.
    public var interval: Duration = .seconds(15)
    /// How long the count may take before it is abandoned.
    public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    StoreMetrics.record(try await abandoning(after: databaseCallTimeout) { try await store.operationalCounts() })
                } catch where !Task.isCancelled {
                    logger.debug("Could not sample the operational gauges", metadata: ["error": "\(String(reflecting: error))"])
                } catch {}
                try? await Task.sleep(for: interval)
            }
        }
    }
}
