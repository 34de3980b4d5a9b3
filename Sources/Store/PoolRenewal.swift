import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Gives the Store a fresh connection pool when Postgres is back after an outage but the pool is
/// still waiting out its reconnect backoff.
///
/// PostgresNIO's pool retries a failed connect after 100 ms × 1.25ⁿ⁻¹ (n failed attempts in a
/// row, capped at 60 s) and, while failing, opens no connection on demand: after an outage of T
/// its next attempt can be T/4 away (7.5 s after 30 s), and every call waits for it. So a watch
/// connection of its own, outside the pool, asks Postgres once a second whether it answers. When
/// the watch has lost Postgres and reaches it again, the Store's calls move to a new pool, which
/// connects at once: after an outage of ``longOutage`` or more at once, after a shorter one when
/// the pool does not answer within ``poolGrace``. A replaced pool is closed after ``drainTime``,
/// except the Store's first client (``Store/client``): code outside the Store (activities, the
/// gateway) holds that one, and it reconnects on its own backoff. While the watch has lost
/// Postgres, the Store's calls fail at once (``usablePool()``).
final class PoolRenewal: Sendable {
    /// What new pools are made from; nil for a Store made over a client, which is never renewed.
    let configuration: PostgresClient.Configuration?
    /// What the watch connects to, with the pool's TLS; nil when ``configuration`` is.
    let watchTarget: WatchTarget?
    let first: PostgresClient
    private let current: Mutex<PostgresClient>
    /// How often the watch asks Postgres whether it answers.
    static let watchInterval: Duration = .seconds(1)
    /// How long the watch waits for a connection or an answer before it counts Postgres as lost.
    static let watchTimeout: Duration = .seconds(5)
    /// How long the pool may take to answer once the watch reaches Postgres again.
    static let poolGrace: Duration = .seconds(1)
    /// An outage after which the pool is renewed without asking it: its next attempt can be
    /// 2.5 s away after 10 s, and further the longer the outage.
    static let longOutage: Duration = .seconds(10)
    /// How long a replaced pool keeps serving the calls it holds before it is closed.
    static let drainTime: Duration = .seconds(30)

    /// Whether the watch has lost Postgres (refused or dropped, not slow): the Store's calls then fail at once
    /// (``DatabaseUnreachableError``) rather than queue in a pool that cannot connect, where a
    /// batch of starts or steps would hold its slot until its timeout, after Postgres is back too.
    private let lost = Atomic<Bool>(false)

    init(first: PostgresClient, renewing: (configuration: PostgresClient.Configuration, watch: WatchTarget)?) {
        self.first = first
        self.configuration = renewing?.configuration
        self.watchTarget = renewing?.watch
        self.current = Mutex(first)
    }

    /// The pool the Store's calls use now.
    var pool: PostgresClient { current.withLock { $0 } }

    /// The pool for a call of the Store's, unless the watch has lost Postgres.
    func usablePool() throws(DatabaseUnreachableError) -> PostgresClient {
        guard !lost.load(ordering: .relaxed) else { throw DatabaseUnreachableError() }
        return pool
    }

    /// Runs the first pool and, for a Store made from a URL, the watch and the pools it makes,
    /// until canceled or a graceful shutdown.
    func run(logger: Logger) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.first.run() }
            if let configuration, let watchTarget {
                group.addTask { await cancelWhenGracefulShutdown { await self.watch(configuration, target: watchTarget, logger: logger) } }
            }
        }
    }

    /// A made pool's run, and when it is to be closed (nil while it is the current one).
    private struct Made {
        var task: Task<Void, Never>
        var closeAt: ContinuousClock.Instant?
    }

    private func watch(_ configuration: PostgresClient.Configuration, target: WatchTarget, logger: Logger) async {
        var made: [Made] = []
        var lostAt: ContinuousClock.Instant?
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            var connection: PostgresConnection?
            do {
                let watched = try await Self.connect(target.connection, id: attempt, logger: logger)
                connection = watched
                if let since = lostAt {
                    lostAt = nil
                    if ContinuousClock.now - since >= Self.longOutage {
                        renew(configuration, made: &made, logger: logger)
                    } else if await !answers(pool, logger: logger) {
                        renew(configuration, made: &made, logger: logger)
                    } else {
                        logger.info("Database reachable again; the pool reconnected by itself")
                    }
                    lost.store(false, ordering: .relaxed)
                }
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.watchInterval)
                    close(&made)
                    _ = try await abandoning(after: Self.watchTimeout) { try await watched.query("SELECT 1", logger: logger) }
                }
            } catch {
                if !Task.isCancelled && lostAt == nil {
                    logger.warning(
                        "Database unreachable; watching for its return", metadata: ["error": "\(ConnectionFailure.explain(error, target: target))"])
                }
                lostAt = lostAt ?? .now
                // Only a refused or dropped connection stops the Store's calls: a watch that is
                // merely slow (a loaded machine) must not turn a slow database into an outage.
                if !Task.isCancelled && !(error is AbandonedOperationError) && Store.isUnavailable(error) {
                    lost.store(true, ordering: .relaxed)
                }
            }
            try? await connection?.close()
            if !Task.isCancelled { try? await Task.sleep(for: .milliseconds(250)) }
        }
        for pool in made { pool.task.cancel() }
        for pool in made { await pool.task.value }
    }

    /// Whether the pool answers within ``poolGrace``.
    private func answers(_ pool: PostgresClient, logger: Logger) async -> Bool {
        (try? await abandoning(after: Self.poolGrace) { try await pool.query("SELECT 1", logger: logger) }) != nil
    }

    /// Moves the Store's calls to a new pool; the one it replaces, if made here, closes after ``drainTime``.
    private func renew(_ configuration: PostgresClient.Configuration, made: inout [Made], logger: Logger) {
        let fresh = PostgresClient(configuration: configuration, backgroundLogger: logger)
        for index in made.indices where made[index].closeAt == nil { made[index].closeAt = .now + Self.drainTime }
        made.append(Made(task: Task { await fresh.run() }, closeAt: nil))
        current.withLock { $0 = fresh }
        logger.notice("Database reachable again; a new connection pool replaces the one still backing off")
    }

    /// Closes the replaced pools whose drain time has passed.
    private func close(_ made: inout [Made]) {
        let now = ContinuousClock.now
        for pool in made where pool.closeAt.map({ $0 <= now }) ?? false { pool.task.cancel() }
        made.removeAll { $0.closeAt.map { $0 <= now } ?? false }
    }

    /// Connects the watch, or fails after ``watchTimeout`` (a connect into a black hole can
    /// otherwise wait for the TCP timeout).
    private static func connect(_ target: PostgresConnection.Configuration, id: Int, logger: Logger) async throws -> PostgresConnection {
        try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
            group.addTask { try await PostgresConnection.connect(configuration: target, id: id, logger: logger) }
            group.addTask {
                try await Task.sleep(for: watchTimeout)
                return nil
            }
            let first: Result<PostgresConnection?, any Error>
            do { first = .success(try await group.next() ?? nil) } catch { first = .failure(error) }
            group.cancelAll()
            // A connection that completes after the first result (after the timeout, or after the
            // watch was canceled) is closed, never dropped: PostgresNIO traps on a connection
            // deinitialized open (seen in scripts/chaos: a worker canceled while it connected).
            while !group.isEmpty {
                if case .some(.some(let late)) = try? await group.next() { try? await late.close() }
            }
            guard let connection = try first.get() else { throw AbandonedOperationError(timeout: watchTimeout) }
            return connection
        }
    }
}

/// Where the Store's single connections go (the watch, ``Store/checkConnection()``): the pool's
/// server and credentials, and its TLS.
struct WatchTarget: Sendable {
    let connection: PostgresConnection.Configuration
    let tls: DatabaseTLS
}

/// The Store's watch connection has lost Postgres: the call was not tried. Retry shortly.
public struct DatabaseUnreachableError: Error, CustomStringConvertible, Sendable {
    public var description: String { "the database is unreachable; the call was not tried" }
}
