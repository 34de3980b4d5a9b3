import Foundation
import Logging
import PostgresNIO
import Workflow
import _ConnectionPoolModule

/// Reprise's durable state in PostgreSQL. Every state transition is one transaction: it locks the
/// run's execution row, appends history events, changes task rows, and notifies waiting pollers.
///
/// `Store` wraps a `PostgresClient`, which must be running: add ``Store`` to the service group, or
/// call ``run()`` in a task of its own.
public final class Store: Sendable {
    /// The connection pool the Store was made with, for code outside the Store that shares it
    /// (activities, the gateway). The Store's own calls go through ``pool``.
    public let client: PostgresClient
    /// The pool the Store's own calls use: ``client``, or after an outage a fresh one (``PoolRenewal``).
    /// While the renewal's watch has lost Postgres, it throws ``DatabaseUnreachableError``.
    var pool: PostgresClient { get throws { try renewal.usablePool() } }
    let renewal: PoolRenewal
    /// The background logger.
    public let logger: Logger
    /// Writes the hot path's steps (``completeActivity(_:result:identity:inline:at:)``) that
    /// complete at the same time in one statement: the steps that arrive while two statements
    /// are in flight wait, and go together in the next.
    let stepWriter = Batcher<CompleteSteps.Step, CompleteSteps.Held>(maxConcurrentBatches: 2, maxBatchSize: 64)
    /// Writes the starts under the default id policies that arrive at the same time in one
    /// statement, as ``stepWriter`` does steps.
    /// Starts wait here while the database is slow, up to `maxQueuedStarts`; more are refused
    /// with `Overloaded` (a 503 from the API) rather than held without bound. A batch still
    /// unanswered after a second gives its slot to the starts waiting (a statement caught by a
    /// Postgres restart can hang until ``startBatchTimeout``).
    let startWriter: Batcher<StartRuns.Start, StartRuns.Answer>
    /// What runs may grow to: history, pending activities and signals, payloads (``Limits``).
    public let limits: Limits
    /// The pool size of a Store made from a URL when none is given: 20 connections.
    public static let defaultMaximumConnections = 20
    /// How many starts may wait for a batch when no other number is given.
    public static let defaultMaxQueuedStarts = 10_000

    /// Creates a store over a Postgres client.
    ///
    /// - Parameters:
    ///   - maxQueuedStarts: the most starts that wait for a batch at once (see ``startWriter``).
    ///   - limits: what runs may grow to; workers on this store enforce them too.
    public convenience init(client: PostgresClient, maxQueuedStarts: Int = Store.defaultMaxQueuedStarts, limits: Limits = Limits(), logger: Logger) {
        self.init(client: client, renewing: nil, maxQueuedStarts: maxQueuedStarts, limits: limits, logger: logger)
    }

    /// - Parameter renewing: what to make a fresh pool from after an outage, and what its watch
    ///   connects to; nil to keep `client`.
    init(
        client: PostgresClient, renewing: (configuration: PostgresClient.Configuration, watch: WatchTarget)?, maxQueuedStarts: Int, limits: Limits,
        logger: Logger
    ) {
        self.client = client
        self.renewal = PoolRenewal(first: client, renewing: renewing)
        self.logger = logger
        self.limits = limits
        self.startWriter = Batcher(maxConcurrentBatches: 2, maxBatchSize: 64, maxWaiting: maxQueuedStarts, slowAfter: .seconds(1))
    }

    /// Creates a store from a URL of the form
    /// `postgres://user[:password]@host[:port]/database[?sslmode=MODE&sslrootcert=PATH]` (TLS as
    /// ``DatabaseTLS`` reads it).
    ///
    /// A Store made from a URL renews its pool after an outage (``PoolRenewal``), when it runs
    /// through ``run()``.
    ///
    /// - Throws: ``StoreError`` with code `InvalidDatabaseURL` when the URL cannot be used.
    public convenience init(
        url: String, maximumConnections: Int = Store.defaultMaximumConnections, maxQueuedStarts: Int = Store.defaultMaxQueuedStarts,
        limits: Limits = Limits(), logger: Logger
    ) throws {
        let settings = try Self.settings(url: url, maximumConnections: maximumConnections)
        self.init(
            client: PostgresClient(configuration: settings.configuration, backgroundLogger: logger), renewing: settings,
            maxQueuedStarts: maxQueuedStarts, limits: limits, logger: logger)
    }

    /// Runs the connection pool until the task is canceled or a graceful shutdown; for a Store
    /// made from a URL, also the watch that renews the pool after an outage (``PoolRenewal``).
    public func run() async {
        await renewal.run(logger: logger)
    }
}

/// A Store failure a caller can act on: a code that maps to an HTTP status, and a message.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, stable for clients.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public static let invalidDatabaseURL = Code("InvalidDatabaseURL")
        public static let namespaceNotFound = Code("NamespaceNotFound")
        public static let namespaceExists = Code("NamespaceAlreadyExists")
        public static let workflowNotFound = Code("WorkflowNotFound")
        public static let workflowAlreadyStarted = Code("WorkflowExecutionAlreadyStarted")
        public static let workflowClosed = Code("WorkflowExecutionClosed")
        public static let workflowNotPaused = Code("WorkflowExecutionNotPaused")
        public static let scheduleNotFound = Code("ScheduleNotFound")
        public static let scheduleExists = Code("ScheduleAlreadyExists")
        public static let staleTask = Code("StaleTask")
        public static let deadLetterNotFound = Code("DeadLetterNotFound")
        public static let deadLetterClosed = Code("DeadLetterAlreadyHandled")
        public static let invalidArgument = Code("InvalidArgument")
        /// A list query (``ListQuery``) that does not parse, or compares a field with a value it cannot hold.
        public static let invalidQuery = Code("InvalidQuery")
        /// Too much work waits already (a bounded queue is full): retry shortly.
        public static let overloaded = Code("Overloaded")
        /// A run has as many signals waiting for a workflow task as ``Limits/maxPendingSignals``.
        public static let tooManyPendingSignals = Code("TooManyPendingSignals")
        /// The database holds Reprise's schema twice (``Store/migrate(_:)``): an operator decides which to keep.
        public static let schemaConflict = Code("SchemaConflict")
        /// A connection to Postgres failed (``Store/checkConnection()``); the message says what to fix.
        public static let databaseUnreachable = Code("DatabaseUnreachable")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension Store {
    /// Runs `body` in a transaction. A serialization failure, deadlock or busy `NOWAIT` lock is
    /// retried a few times, since it only means another transition touched the same rows first.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let asked = ContinuousClock.now
                return try await pool.withTransaction(logger: logger) { connection in
                    StoreMetrics.poolWait(ContinuousClock.now - asked)
                    return try await body(connection)
                }
            } catch let error as PostgresTransactionError {
                let underlying = error.closureError ?? error.beginError ?? error.commitError
                if let psql = underlying as? PSQLError, let state = psql.serverInfo?[.sqlState],
                    ["40001", "40P01", "55P03"].contains(state), attempt < 5
                {
                    // 55P03: a `NOWAIT` lock found a child's row busy (Store README): the child's
                    // transaction ends in milliseconds, so the retry waits a little first.
                    if state == "55P03" { try await Task.sleep(for: .milliseconds(10 * attempt)) }
                    continue
                }
                throw underlying ?? error
            }
        }
    }
}

extension Store {
    /// Runs a statement that writes a batch of items and answers one row per item, in order
    /// (``stepWriter``, ``startWriter``). When it fails in Postgres (a deadlock, or one item's
    /// conflict), each item is written again alone, so that a failure is only its own item's.
    /// A statement that does not answer within `timeout` is abandoned (PostgresNIO can leave a
    /// query hanging when Postgres restarts), which frees its batch slot.
    func writeBatch<Item: Sendable, Statement: PostgresPreparedStatement>(
        _ items: [Item], timeout: Duration, _ statement: @escaping @Sendable ([Item]) -> Statement
    ) async -> [Result<Statement.Row, any Error>] where Statement.Row: Sendable {
        do {
            let rows = try await abandoning(after: timeout) {
                var rows: [Statement.Row] = []
                for try await row in try await self.pool.execute(statement(items), logger: self.logger) { rows.append(row) }
                return rows
            }
            guard rows.count == items.count else {
                throw StoreError(.invalidArgument, "a batched statement answered \(rows.count) rows for \(items.count) items")
            }
            return rows.map { .success($0) }
        } catch let error as PSQLError where error.sqlState != nil && items.count > 1 {
            logger.debug("A batched statement failed; writing each item alone", metadata: ["error": "\(String(reflecting: error))"])
            var outcomes: [Result<Statement.Row, any Error>] = []
            for item in items {
                outcomes += await writeBatch([item], timeout: timeout, statement)
            }
            return outcomes
        } catch {
            return items.map { _ in .failure(error) }
        }
    }
}

extension Store {
    /// Whether `error` says that the database could not be reached or did not answer, rather than
    /// that it refused the request: Postgres down or restarting, the pool failing to connect, a
    /// call abandoned after its timeout. The request may be retried.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case is AbandonedOperationError, is ConnectionPoolError, is DatabaseUnreachableError:
            return true
        case let error as PSQLError:
            // Class 08: connection exceptions; 57P: the server shutting down or starting up.
            if let state = error.sqlState { return state.hasPrefix("08") || state.hasPrefix("57P") }
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed].contains(error.code)
        default:
            return false
        }
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error, such as `23505` for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }
}

/// JSON to and from `jsonb` columns, through the same coders as payloads and history.
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }

    static func encodeIfPresent(_ value: (some Encodable)?) throws -> String? {
        try value.map { try encode($0) }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String?) throws -> T? {
        guard let text else { return nil }
        return try JSONCoding.decoder.decode(T.self, from: Data(text.utf8))
    }
}
