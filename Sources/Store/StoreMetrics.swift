import Foundation
import Metrics
import PostgresNIO

/// The Store's metrics (docs/observability.md), through the swift-metrics API. None costs a query:
/// they time what the Store does anyway, and the two gauges come from ``Store/operationalCounts()``,
/// which a periodic service calls.
package enum StoreMetrics {
    /// How late a timer fired: from its due time to the round that fired it.
    static func timerLateness(_ seconds: TimeInterval) {
        Timer(label: "reprise_timer_lateness_seconds", preferredDisplayUnit: .seconds).recordSeconds(max(0, seconds))
    }

    /// How long a transaction waited for a pooled connection (and its `BEGIN`).
    static func poolWait(_ duration: Duration) {
        Timer(label: "reprise_db_pool_wait_seconds", preferredDisplayUnit: .seconds).record(duration: duration)
    }

    /// Creates the Store's histograms, which have no labels, before their first observation.
    package static func declare() {
        for label in ["reprise_timer_lateness_seconds", "reprise_db_pool_wait_seconds"] { _ = Timer(label: label, preferredDisplayUnit: .seconds) }
    }

    /// Records the operational gauges.
    package static func record(_ counts: OperationalCounts) {
        Gauge(label: "reprise_dead_letters_pending").record(counts.deadLettersPending)
        Gauge(label: "reprise_runs_paused").record(counts.runsPaused)
    }
}

/// Counts an operator acts on, across namespaces.
public struct OperationalCounts: Sendable, Equatable {
    /// Dead letters no operator has handled yet.
    public var deadLettersPending: Int64
    /// Runs whose workflow task failed past its attempts (`Paused`).
    public var runsPaused: Int64
}

extension Store {
    /// The dead letters pending and the runs paused, in every namespace: one query over two
    /// partial indexes.
    public func operationalCounts() async throws -> OperationalCounts {
        var counts = OperationalCounts(deadLettersPending: 0, runsPaused: 0)
        for try await (pending, paused) in try await pool.execute(CountOperational(), logger: logger) {
            counts = OperationalCounts(deadLettersPending: pending, runsPaused: paused)
        }
        return counts
    }
}

struct CountOperational: DescribedStatement {
    static let statement = Statement<Self> { _ in
        """
        SELECT (SELECT count(*) FROM reprise.dead_letters WHERE state = '\(DeadLetterState.pending.rawValue)'),
            (SELECT count(*) FROM reprise.workflow_executions WHERE status = '\(WorkflowStatus.paused.rawValue)')
        """
    }
    typealias Row = (Int64, Int64)
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
