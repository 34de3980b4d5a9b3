import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The engine's clock in a deployment: wall time as the database reads it, so that every process
/// computes leases, visibility, timers and deadlines on one clock, whatever its own says.
///
/// A worker whose clock runs 90 s fast would otherwise take over leases 90 s early and time
/// activities out early. This clock keeps the offset between the process's clock and Postgres's
/// (`clock_timestamp()`), measured over a round trip and taken again every ``resyncInterval``, and
/// adds it to the process's time. The statements keep taking a timestamp as a bind (the hot path is
/// unchanged), and a test can still swap in a virtual clock.
public final class DatabaseClock: EngineClock {
    private let offset = Mutex<TimeInterval>(0)
    /// How often ``run(store:logger:)`` measures the offset again: a clock that drifts or jumps
    /// (NTP stepping it, a VM resumed) is corrected within this.
    public static let resyncInterval: Duration = .seconds(30)

    public init() {}

    /// The database's time now, as this process estimates it.
    public var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// How far the database's clock is ahead of this process's, in seconds.
    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    /// Measures the offset once: the database's time against the midpoint of the round trip that
    /// read it.
    public func synchronize(with store: Store) async throws {
        let (sent, databaseTime, received) = try await abandoning(after: .seconds(10)) {
            let sent = Date()
            var databaseTime: Date?
            for try await time in try await store.pool.execute(ReadClock(), logger: store.logger) {
                databaseTime = time
            }
            return (sent, databaseTime, Date())
        }
        guard let databaseTime else { return }
        let midpoint = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
        offset.withLock { $0 = databaseTime.timeIntervalSince(midpoint) }
    }

    /// Measures the offset every ``resyncInterval`` until canceled; a failed measurement keeps the
    /// last offset (the database may be restarting).
    public func run(store: Store, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await synchronize(with: store)
            } catch {
                logger.debug("Could not read the database's clock", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: Self.resyncInterval)
        }
    }
}

/// The database's clock now (`clock_timestamp()`: the time of the call, not of the transaction).
struct ReadClock: DescribedStatement {
    static let statement = Statement<Self> { _ in "SELECT clock_timestamp()" }
    typealias Row = Date
}
