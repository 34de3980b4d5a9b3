import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Wakes the requests waiting on a query's answer or an update's outcome: a worker that answers
/// NOTIFYs `Channel.queryAnswered` with the query's id, and a workflow task that completes an
/// update NOTIFYs `Channel.updateCompleted` with `runId/updateId`. Every server hears every
/// notification; a server rings only its own waiters, and ignores the rest.
final class QueryWatch: Sendable {
    private let waiters = Mutex<[String: [ObjectIdentifier: Wakeup]]>([:])

    init() {}

    /// Runs `body` with a wakeup that rings when `key` (a query's id, `runId/updateId`) is
    /// notified, or when notifications may have been missed. Registered before `body` reads, so
    /// an answer between a read and a wait is not lost.
    func watching<T: Sendable>(_ key: String, _ body: (Wakeup) async throws -> T) async throws -> T {
        let wakeup = Wakeup()
        let id = ObjectIdentifier(wakeup)
        waiters.withLock { $0[key, default: [:]][id] = wakeup }
        defer {
            waiters.withLock { waiters in
                waiters[key]?[id] = nil
                if waiters[key]?.isEmpty == true { waiters[key] = nil }
            }
        }
        return try await body(wakeup)
    }

    /// A notification's payload: the key; nil when any may have been missed.
    func notified(_ payload: String?) {
        let woken = waiters.withLock { waiters -> [Wakeup] in
            guard let payload else { return waiters.values.flatMap(\.values) }
            return waiters[payload].map { Array($0.values) } ?? []
        }
        for wakeup in woken { wakeup.ring() }
    }

    /// The service that listens for answers, stopped on graceful shutdown.
    func service(store: Store, logger: Logger) -> some Service {
        QueryWatchService(
            listener: NotificationListener(
                store: store, channels: [Channel.queryAnswered: { self.notified($0) }, Channel.updateCompleted: { self.notified($0) }],
                logger: logger))
    }
}

private struct QueryWatchService: Service {
    let listener: NotificationListener

    func run() async throws {
        await cancelWhenGracefulShutdown { await listener.run() }
    }
}
