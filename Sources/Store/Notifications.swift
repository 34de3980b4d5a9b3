import Logging
import PostgresNIO
import Synchronization

/// Holds one connection that LISTENs on the given channels and calls each channel's handler with
/// a notification's payload. When the connection fails (Postgres restarts, say), it reconnects
/// with backoff; meanwhile the pollers' slow poll keeps the engine going. After each (re)connect
/// every handler is called with nil: anything may have been missed while not listening.
public struct NotificationListener: Sendable {
    let store: Store
    let channels: [String: @Sendable (String?) -> Void]
    let logger: Logger

    public init(store: Store, channels: [String: @Sendable (String?) -> Void], logger: Logger) {
        self.store = store
        self.channels = channels
        self.logger = logger
    }

    /// Wakes each channel's wakeup on its notifications.
    public init(store: Store, wakeups: [String: Wakeup], logger: Logger) {
        self.init(store: store, channels: wakeups.mapValues { wakeup in { _ in wakeup.ring() } }, logger: logger)
    }

    /// Listens until canceled.
    public func run() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await store.pool.withConnection { connection in
                    logger.debug("Notification listener connected")
                    try await withThrowingDiscardingTaskGroup { group in
                        for (channel, handler) in channels {
                            // The sequence form, not the closure form: the closure form did not always
                            // return on cancellation, which hung shutdown (and tests) now and then.
                            let notifications = try await connection.listen(channel)
                            logger.debug("Listening", metadata: ["channel": "\(channel)"])
                            group.addTask {
                                for try await notification in notifications { handler(notification.payload) }
                            }
                        }
                        // Anything may have been missed while not listening.
                        for handler in channels.values { handler(nil) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("Notification listener lost its connection", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}

/// A doorbell for a polling loop: `ring()` wakes the waiter, or the next `wait` returns at once.
/// LISTEN/NOTIFY rings it; when no notification comes, `wait` returns after its timeout (the
/// slow poll that keeps the engine working without notifications).
public final class Wakeup: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or marks the bell so the next wait returns at once. A ring is consumed by
    /// exactly one wake-up, so none is lost between two waits.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Waits for a ring, the timeout or cancellation, whichever comes first.
    public func wait(timeout: Duration) async {
        if state.withLock({ state in defer { state.rung = false }; return state.rung }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
