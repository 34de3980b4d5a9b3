import Engine
import Logging
import ServiceLifecycle
import Store

/// The engine loops `reprise dev` and `reprise server` run beside the API: clock sync, timers,
/// schedules, reaper, retention and the operational gauges, with their intervals and batch sizes from `settings`.
func engineServices(store: Store, clock: DatabaseClock, settings: EngineSettings, callTimeout: Duration, logger: Logger) -> [any Service] {
    var timers = TimerService(store: store, clock: clock, logger: logger)
    timers.pollInterval = settings.timerPollInterval
    timers.batchSize = settings.timerBatchSize
    timers.databaseCallTimeout = callTimeout
    var schedules = ScheduleService(store: store, clock: clock, logger: logger)
    schedules.pollInterval = settings.schedulePollInterval
    schedules.batchSize = settings.scheduleBatchSize
    schedules.databaseCallTimeout = callTimeout
    var reaper = LeaseReaper(store: store, clock: clock, logger: logger)
    reaper.interval = settings.reaperInterval
    reaper.databaseCallTimeout = callTimeout
    var retention = RetentionService(store: store, clock: clock, logger: logger)
    retention.interval = settings.retentionInterval
    retention.retryInterval = settings.retentionRetryInterval
    retention.databaseCallTimeout = callTimeout
    return [ClockSync(clock: clock, store: store, logger: logger), timers, schedules, reaper, retention, OperationalGauges(store: store, logger: logger)]
}

extension DatabaseSettings {
    /// The process's store, with the pool size, the start queue and the limits configured.
    func store(url: String, limits: Limits, logger: Logger) throws -> Store {
        try Store(url: url, maximumConnections: maxConnections, maxQueuedStarts: maxQueuedStarts, limits: limits, logger: logger)
    }
}

/// The Store's connection pool, and the watch that renews it after an outage, as the first
/// service: it stops last.
struct StoreService: Service {
    let store: Store
    func run() async throws { await store.run() }
}

/// Runs services in one group that shuts down gracefully on SIGTERM and SIGINT, after the
/// exporters' (``Observability/services``), which stop last and so flush what the others recorded.
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: (Observability.services + services).map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}
