import Foundation
import Logging
import ServiceLifecycle
import Store
import Workers

/// Times out activity attempts whose lease expired (their worker died, or missed heartbeats) and
/// activities past their schedule-to-start or schedule-to-close deadline. A workflow task whose
/// worker died needs no reaping: its lease expiry is its visibility time, and the poll that takes
/// it over counts the lost attempt (``WorkflowTask/expiredLeaseOwner``). It also delivers the
/// child closes held for a parent whose row was busy (``Store/deliverHeldEvents(at:limit:)``),
/// woken by `Channel.heldEvents`.
public struct LeaseReaper: Service {
    let store: Store
    let clock: any EngineClock
    let tracker: WorkTracker
    let logger: Logger
    let wakeup = Wakeup()
    /// The longest time between two rounds.
    public var interval: Duration = .seconds(1)
    /// How many runs' held events a round delivers at most.
    let heldEventsBatch = 100
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
        let listener = NotificationListener(store: store, wakeups: [Channel.heldEvents: wakeup], logger: logger)
        await repeatRounds(of: "Lease reaper", clock: clock, wakeup: wakeup, fallback: interval, listener: listener, logger: logger) {
            // A call that hangs (Postgres restarting under it) is abandoned, or reaping would stop for good.
            let delivered = try await tracker.track {
                try await abandoning(after: databaseCallTimeout) {
                    _ = try await store.reapActivities(at: clock.now)
                    return try await store.deliverHeldEvents(at: clock.now, limit: heldEventsBatch)
                }
            }
            if delivered >= heldEventsBatch { return .runAgain }
            return .waitUntil(try await abandoning(after: databaseCallTimeout) { try await store.nextActivityDeadline() })
        }
    }
}
