import Engine
import Logging
import ServiceLifecycle
import Store

/// The engine loops `reprise dev` and `reprise server` run beside the API: clock sync, timers, schedules, reaper, retention and the operational gauges.
func engineServices(store: Store, clock: DatabaseClock, logger: Logger) -> [any Service] {
    [
        ClockSync(clock: clock, store: store, logger: logger),
        TimerService(store: store, clock: clock, logger: logger), ScheduleService(store: store, clock: clock, logger: logger),
        LeaseReaper(store: store, clock: clock, logger: logger),
        RetentionService(store: store, clock: clock, logger: logger), OperationalGauges(store: store, logger: logger),
    ]
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
