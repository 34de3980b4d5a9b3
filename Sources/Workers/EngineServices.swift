import Foundation
import Logging
import ServiceLifecycle
import Store

/// Sleeps until `deadline` on the engine clock, or until the wakeup rings, or `fallback` of real
/// time passes, whichever is first.
func waitForWork(clock: any EngineClock, until deadline: Date?, wakeup: Wakeup, fallback: Duration) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await wakeup.wait(timeout: fallback) }
        if let deadline { group.addTask { try? await clock.sleep(until: deadline) } }
        await group.next()
        group.cancelAll()
    }
}

/// Fires due timers and times out runs past their execution timeout. It sleeps until the earliest
/// `fire_at`; a NOTIFY on the timers channel wakes it for an earlier one.
public struct TimerService: Service {
    let store: Store
    let clock: any EngineClock
    let tracker: WorkTracker
    let logger: Logger
    let wakeup = Wakeup()
    /// The slow poll, for when a notification is missed.
    public var pollInterval: Duration = .seconds(2)
    /// Timers fired per round.
    public var batchSize = 2000
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
        await withDiscardingTaskGroup { group in
            group.addTask { await listener.run() }
            while !Task.isCancelled {
                var next: Date?
                do {
                    // A call that hangs (Postgres restarting under it) is abandoned, or timers would stop for good.
                    let fired = try await tracker.track {
                        try await abandoning(after: databaseCallTimeout) {
                            let fired = try await store.fireDueTimers(at: clock.now, limit: batchSize)
                            try await store.timeOutRuns(at: clock.now)
                            return fired
                        }
                    }
                    if fired >= batchSize { continue }
                    next = try await abandoning(after: databaseCallTimeout) { try await store.nextTimerDue() }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("Timer service round failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                await waitForWork(clock: clock, until: next, wakeup: wakeup, fallback: pollInterval)
            }
            group.cancelAll()
        }
    }
}

/// Times out activity attempts whose lease expired (their worker died, or missed heartbeats) and
/// activities past their schedule-to-start or schedule-to-close deadline. A workflow task whose
/// worker died needs no reaping: its lease expiry is its visibility time, and the poll that takes
/// it over counts the lost attempt (``WorkflowTask/expiredLeaseOwner``).
public struct LeaseReaper: Service {
    let store: Store
    let clock: any EngineClock
    let tracker: WorkTracker
    let logger: Logger
    let wakeup = Wakeup()
    /// The longest time between two rounds.
    public var interval: Duration = .seconds(1)
    /// How long a round's database call may take before it is abandoned.
    public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout

    public init(store: Store, clock: any EngineClock = SystemClock(), tracker: WorkTracker = WorkTracker(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.tracker = tracker
        self.logger = logger
    }

    /// Wakes the reaper for an immediate round.
    public func wake() { wakeup.ring() }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.reapUntilCanceled() }
    }

    private func reapUntilCanceled() async {
        while !Task.isCancelled {
            var next: Date?
            do {
                // A call that hangs (Postgres restarting under it) is abandoned, or reaping would stop for good.
                try await tracker.track { _ = try await abandoning(after: databaseCallTimeout) { try await store.reapActivities(at: clock.now) } }
                next = try await abandoning(after: databaseCallTimeout) { try await store.nextActivityDeadline() }
            } catch {
                if Task.isCancelled { break }
                logger.warning("Lease reaper round failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            await waitForWork(clock: clock, until: next, wakeup: wakeup, fallback: interval)
        }
    }
}

/// Deletes closed runs once their namespace's retention has passed, in batches, hourly.
public struct RetentionService: Service {
    let store: Store
    let clock: any EngineClock
    let logger: Logger
    public var interval: Duration = .seconds(3600)

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
            do {
                var deleted = 0
                while true {
                    let batch = try await store.deleteExpiredRuns(at: clock.now)
                    deleted += batch
                    if batch == 0 { break }
                }
                if deleted > 0 { logger.info("Deleted runs past retention", metadata: ["runs": "\(deleted)"]) }
            } catch {
                if Task.isCancelled { break }
                logger.warning("Retention round failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
