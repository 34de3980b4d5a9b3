import Foundation
import Logging
import ServiceLifecycle
import Store
import Workers

/// Fires due timers and times out runs past their execution timeout. It sleeps until the earliest
/// `fire_at`; a NOTIFY on the timers channel wakes it for an earlier one.
public struct TimerService: Service {
    let store: Store
    let clock: any EngineClock
    let tracker: WorkTracker
    let logger: Logger
    let wakeup = Wakeup()
    /// The slow poll, for when a notification is missed.
    public var pollInterval: Duration = TimerService.defaultPollInterval
    /// Timers fired per round.
    public var batchSize = TimerService.defaultBatchSize
    /// The default of ``pollInterval``.
    public static let defaultPollInterval: Duration = .seconds(2)
    /// The default of ``batchSize``.
    public static let defaultBatchSize = 2000
    /// How long a round's database call may take before it is abandoned.
    public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout

    public init(store: Store, clock: any EngineClock = SystemClock(), tracker: WorkTracker = WorkTracker(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.tracker = tracker
        self.logger = logger
    }

    /// Wakes the service, as a notification would.
    public func wake() { wakeup.ring() }

    public func run() async throws {
        // Firing is transactional, so stopping between rounds loses nothing.
        await cancelWhenGracefulShutdown { await self.fireTimersUntilCanceled() }
    }

    private func fireTimersUntilCanceled() async {
        let listener = NotificationListener(store: store, wakeups: [Channel.timers: wakeup], logger: logger)
        await repeatRounds(of: "Timer service", clock: clock, wakeup: wakeup, fallback: pollInterval, listener: listener, logger: logger) {
            // A call that hangs (Postgres restarting under it) is abandoned, or timers would stop for good.
            let fired = try await tracker.track {
                try await abandoning(after: databaseCallTimeout) {
                    let fired = try await store.fireDueTimers(at: clock.now, limit: batchSize)
                    try await store.timeOutRuns(at: clock.now)
                    return fired
                }
            }
            if fired >= batchSize { return .runAgain }
            return .waitUntil(try await abandoning(after: databaseCallTimeout) { try await store.nextTimerDue() })
        }
    }
}
