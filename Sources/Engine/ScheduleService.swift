import Foundation
import Logging
import ServiceLifecycle
import Store
import Workers

/// Fires due schedules, each in a transaction of its own (``Store/fireDueSchedules(at:limit:clock:)``).
/// It sleeps until the earliest next action time; a NOTIFY on the schedules channel (a create, an
/// unpause) wakes it for an earlier one. A sibling of the timer service rather than part of it, so
/// the timers' due query is unchanged and a slow schedule never delays a timer.
///
/// Ticks held for an open run (BufferOne, BufferAll, CancelOther) are started on the first round
/// after the run closes: every round looks for them (one indexed query), and a round runs at
/// least every ``pollInterval``, so a buffered tick starts within a second of the close without a
/// hook in the run's close path.
public struct ScheduleService: Service {
    let store: Store
    let clock: any EngineClock
    let tracker: WorkTracker
    let logger: Logger
    let wakeup = Wakeup()
    /// The longest sleep between rounds: bounds how late a buffered tick starts after its run closes.
    public var pollInterval: Duration = ScheduleService.defaultPollInterval
    /// Schedules fired per round.
    public var batchSize = ScheduleService.defaultBatchSize
    /// The default of ``pollInterval``.
    public static let defaultPollInterval: Duration = .seconds(1)
    /// The default of ``batchSize``.
    public static let defaultBatchSize = 500
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
        await cancelWhenGracefulShutdown { await self.fireSchedulesUntilCanceled() }
    }

    private func fireSchedulesUntilCanceled() async {
        let listener = NotificationListener(store: store, wakeups: [Channel.schedules: wakeup], logger: logger)
        await repeatRounds(of: "Schedule service", clock: clock, wakeup: wakeup, fallback: pollInterval, listener: listener, logger: logger) {
            let fired = try await tracker.track {
                try await abandoning(after: databaseCallTimeout) {
                    try await store.fireDueSchedules(at: clock.now, limit: batchSize, clock: { [clock] in clock.now })
                }
            }
            if fired >= batchSize { return .runAgain }
            return .waitUntil(try await abandoning(after: databaseCallTimeout) { try await store.nextScheduleDue() })
        }
    }
}
