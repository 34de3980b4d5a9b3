import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Wakes the requests waiting on a query's answer: a worker that answers NOTIFYs
/// `Channel.queryAnswered` with the query's id. Every server hears every answer; a server rings
/// only its own waiters, and ignores the rest.
final class QueryWatch: Sendable {
    private let waiters = Mutex<[Int64: Wakeup]>([:])

    init() {}

    /// Runs `body` with a wakeup that rings when query `id` is answered, or when notifications may
    /// have been missed. Registered before `body` reads, so an answer between a read and a wait
    /// is not lost.
    func watching<T: Sendable>(_ id: Int64, _ body: (Wakeup) async throws -> T) async throws -> T {
        let wakeup = Wakeup()
        waiters.withLock { $0[id] = wakeup }
        defer { _ = waiters.withLock { $0.removeValue(forKey: id) } }
        return try await body(wakeup)
    }

    /// A notification's payload: the answered query's id; nil when any may have been missed.
    func notified(_ payload: String?) {
        let woken = waiters.withLock { waiters -> [Wakeup] in
            guard let payload else { return Array(waiters.values) }
            return Int64(payload).flatMap { waiters[$0] }.map { [$0] } ?? []
        }
        for wakeup in woken { wakeup.ring() }
    }

    /// The service that listens for answers, stopped on graceful shutdown.
    func service(store: Store, logger: Logger) -> some Service {
        QueryWatchService(listener: NotificationListener(store: store, channels: [Channel.queryAnswered: { self.notified($0) }], logger: logger))
    }
}

private struct QueryWatchService: Service {
    let listener: NotificationListener

    func run() async throws {
        await cancelWhenGracefulShutdown { await listener.run() }
    }
}
