import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Wakes the history long-polls waiting on a run as soon as it closes: closing a run NOTIFYs
/// `Channel.runClosed` with its id. Without notifications (the listener reconnecting, or not
/// running) the long-polls still poll, only later.
final class RunCloseWatch: Sendable {
    private let waiters = Mutex<[UUID: [ObjectIdentifier: Wakeup]]>([:])

    /// Runs `body` with a wakeup that rings when `runId` closes, or when notifications may have been
    /// missed. Registered before `body` reads anything, so no close between a read and a wait is lost.
    func watching<T: Sendable>(_ runId: UUID, _ body: (Wakeup) async throws -> T) async rethrows -> T {
        let wakeup = Wakeup()
        let key = ObjectIdentifier(wakeup)
        waiters.withLock { $0[runId, default: [:]][key] = wakeup }
        defer {
            waiters.withLock { waiters in
                waiters[runId]?[key] = nil
                if waiters[runId]?.isEmpty == true { waiters[runId] = nil }
            }
        }
        return try await body(wakeup)
    }

    /// A notification's payload: the closed run's id; nil when any may have been missed.
    func notified(_ payload: String?) {
        let woken = waiters.withLock { waiters -> [Wakeup] in
            guard let payload else { return waiters.values.flatMap(\.values) }
            guard let runId = UUID(uuidString: payload) else { return [] }
            return waiters[runId].map { Array($0.values) } ?? []
        }
        for wakeup in woken { wakeup.ring() }
    }

    /// The service that listens for closed runs, stopped on graceful shutdown.
    func listener(store: Store, logger: Logger) -> some Service {
        RunCloseListener(listener: NotificationListener(store: store, channels: [Channel.runClosed: { self.notified($0) }], logger: logger))
    }
}

private struct RunCloseListener: Service {
    let listener: NotificationListener

    func run() async throws {
        await cancelWhenGracefulShutdown { await listener.run() }
    }
}
