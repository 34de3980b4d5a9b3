import Logging
import PostgresNIO
import Store

/// Holds one connection that LISTENs on the given channels and rings each channel's wakeup when
/// a notification arrives. When the connection fails (Postgres restarts, say), it reconnects with
/// backoff; meanwhile the pollers' slow poll keeps the engine going.
struct NotificationListener: Sendable {
    let store: Store
    let channels: [String: Wakeup]
    let logger: Logger

    func run() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await store.client.withConnection { connection in
                    logger.debug("Notification listener connected")
                    try await withThrowingDiscardingTaskGroup { group in
                        for (channel, wakeup) in channels {
                            // The sequence form, not the closure form: the closure form did not always
                            // return on cancellation, which hung shutdown (and tests) now and then.
                            let notifications = try await connection.listen(channel)
                            logger.debug("Listening", metadata: ["channel": "\(channel)"])
                            group.addTask {
                                for try await _ in notifications { wakeup.ring() }
                            }
                        }
                        // Anything may have been missed while not listening.
                        for wakeup in channels.values { wakeup.ring() }
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
