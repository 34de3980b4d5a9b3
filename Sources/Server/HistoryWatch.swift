import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Wakes the history long-polls (`GET …/history?wait=true`) waiting on a run: at once when the run
/// closes (closing a run NOTIFYs `Channel.runClosed` with its id), and when its history grows past
/// what a long-poll has, found by one query per tick for all the runs waited on.
///
/// The query is shared, so the database sees at most one per tick per server however many clients
/// wait; a NOTIFY per appended event would instead add a notification to every step's commit, the
/// engine's hot path. The number of long-polls held at once is capped (``capacity``).
final class HistoryWatch: Sendable {
    private struct Waiter: Sendable {
        /// The last event the long-poll has; nil for a watch that only waits for the close.
        var after: Int64?
        var wakeup: Wakeup
    }

    private let waiters = Mutex<[UUID: [ObjectIdentifier: Waiter]]>([:])
    private let longPolls = Mutex(0)
    /// The most long-polls held at once.
    let capacity: Int
    /// How often the waited-on runs are checked for new events.
    static let tick = Duration.milliseconds(20)

    /// How many long-polls are held now.
    var heldLongPolls: Int { longPolls.withLock { $0 } }

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Runs `body` with a wakeup that rings when `runId` closes, when notifications may have been
    /// missed, or (with `after`) when its history grows past event `after`. Registered before `body`
    /// reads anything, so nothing that happens between a read and a wait is lost.
    ///
    /// - Throws: a 429 `TooManyLongPolls` when `after` is given and ``capacity`` long-polls are held.
    func watching<T: Sendable>(_ runId: UUID, after: Int64? = nil, _ body: (Wakeup) async throws -> T) async throws -> T {
        if after != nil {
            let admitted = longPolls.withLock { count in
                guard count < capacity else { return false }
                count += 1
                return true
            }
            guard admitted else {
                throw APIError(
                    .tooManyRequests, code: "TooManyLongPolls",
                    "this server holds \(capacity) history long-polls already; retry shortly, or read without wait=true")
            }
        }
        let wakeup = Wakeup()
        let key = ObjectIdentifier(wakeup)
        waiters.withLock { $0[runId, default: [:]][key] = Waiter(after: after, wakeup: wakeup) }
        defer {
            waiters.withLock { waiters in
                waiters[runId]?[key] = nil
                if waiters[runId]?.isEmpty == true { waiters[runId] = nil }
            }
            if after != nil { longPolls.withLock { $0 -= 1 } }
        }
        return try await body(wakeup)
    }

    /// A notification's payload: the closed run's id; nil when any may have been missed.
    func notified(_ payload: String?) {
        let woken = waiters.withLock { waiters -> [Wakeup] in
            guard let payload else { return waiters.values.flatMap(\.values).map(\.wakeup) }
            guard let runId = UUID(uuidString: payload) else { return [] }
            return waiters[runId].map { $0.values.map(\.wakeup) } ?? []
        }
        for wakeup in woken { wakeup.ring() }
    }

    /// Rings the long-polls whose run's history has grown past what they have: one query for all.
    func checkGrowth(store: Store) async throws {
        let waited = waiters.withLock { waiters in waiters.filter { $0.value.values.contains { $0.after != nil } } }
        guard !waited.isEmpty else { return }
        let next = try await store.nextEventIds(runIds: Array(waited.keys))
        for (runId, polls) in waited {
            guard let nextEventId = next[runId] else { continue }
            for poll in polls.values where (poll.after ?? .max) < nextEventId - 1 { poll.wakeup.ring() }
        }
    }

    /// The service that listens for closed runs and checks the waited-on runs every ``tick``,
    /// stopped on graceful shutdown. A check that takes longer than `databaseCallTimeout` is
    /// abandoned, so that a connection hung by a Postgres restart does not stop the checks.
    func service(store: Store, databaseCallTimeout: Duration, logger: Logger) -> some Service {
        HistoryWatchService(
            watch: self, store: store, databaseCallTimeout: databaseCallTimeout, logger: logger,
            listener: NotificationListener(store: store, channels: [Channel.runClosed: { self.notified($0) }], logger: logger))
    }
}

private struct HistoryWatchService: Service {
    let watch: HistoryWatch
    let store: Store
    let databaseCallTimeout: Duration
    let logger: Logger
    let listener: NotificationListener

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await listener.run() }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await abandoning(after: databaseCallTimeout) { try await watch.checkGrowth(store: store) }
                        } catch {
                            logger.debug("History long-poll check failed", metadata: ["error": "\(String(reflecting: error))"])
                        }
                        try? await Task.sleep(for: HistoryWatch.tick)
                    }
                }
            }
        }
    }
}
