import Foundation
import Logging
import ServiceLifecycle
import Store

/// The database's clock, measured once before any service starts (so that no poll ever runs on
/// this process's own clock), then kept in step by ``ClockSync``.
func databaseClock(url: String, logger: Logger) async throws -> DatabaseClock {
    let clock = DatabaseClock()
    let store = try Store(url: url, maximumConnections: 1, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await store.run() }
        defer { group.cancelAll() }
        // The first contact of `worker`: a connection that cannot be made fails here, saying why.
        try await store.checkConnection()
        try await clock.synchronize(with: store)
    }
    if abs(clock.offsetSeconds) > 1 {
        logger.warning(
            "This machine's clock is off from the database's; Reprise keeps time by the database",
            metadata: ["clock.offset.seconds": "\(clock.offsetSeconds)"])
    }
    return clock
}

/// Measures the database clock's offset again every `DatabaseClock.resyncInterval`.
struct ClockSync: Service {
    let clock: DatabaseClock
    let store: Store
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await clock.run(store: store, logger: logger) }
    }
}
