import Foundation
import PostgresNIO

/// When work next falls due, for the services that sleep until then: the timer service, the
/// activity reaper, and the test environment's virtual clock. Each source of due work is one
/// subquery, written once here and composed into the reads below.
enum DueTimes {
    /// The earliest timer.
    static let timer = "(SELECT min(fire_at) FROM reprise.timers)"
    /// The earliest execution deadline of an open run.
    static let runTimeout = """
        (SELECT min(execution_deadline) FROM reprise.workflow_executions
         WHERE execution_deadline IS NOT NULL AND status IN \(ExecutionsTable.openStatuses))
        """
    /// The earliest action time of an unpaused schedule.
    static let schedule = "(SELECT min(next_action_time) FROM reprise.schedules WHERE NOT paused)"
    /// The earliest moment a queued workflow or activity task becomes visible.
    static let taskVisibility = [
        "(SELECT min(visible_at) FROM reprise.workflow_tasks)",
        "(SELECT min(visible_at) FROM reprise.activity_tasks WHERE lease_owner IS NULL)",
    ]
    /// The earliest activity lease expiry, schedule-to-start or schedule-to-close deadline.
    static let activityDeadlines = [
        "(SELECT min(lease_expires_at) FROM reprise.activity_tasks WHERE lease_owner IS NOT NULL)",
        "(SELECT min(schedule_to_start_deadline) FROM reprise.activity_tasks WHERE lease_owner IS NULL)",
        "(SELECT min(schedule_to_close_deadline) FROM reprise.activity_tasks)",
    ]

    /// The earliest of some subqueries, or NULL when none has a time.
    static func earliest(_ subqueries: [String]) -> String {
        "SELECT LEAST(\n    \(subqueries.joined(separator: ",\n    ")))"
    }

    /// The earliest timer or run timeout.
    struct NextTimer: DescribedStatement {
        static let statement = Statement<Self> { _ in earliest([timer, runTimeout]) }
        typealias Row = Date?
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Date?.self) }
    }

    /// The earliest schedule action.
    struct NextSchedule: DescribedStatement {
        static let statement = Statement<Self> { _ in earliest([schedule]) }
        typealias Row = Date?
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Date?.self) }
    }

    /// The earliest activity lease expiry or deadline.
    struct NextActivityDeadline: DescribedStatement {
        static let statement = Statement<Self> { _ in earliest(activityDeadlines) }
        typealias Row = Date?
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Date?.self) }
    }

    /// The earliest of all: timers, run timeouts, schedules, task visibility and activity deadlines.
    struct Next: DescribedStatement {
        static let statement = Statement<Self> { _ in earliest([timer, runTimeout, schedule] + taskVisibility + activityDeadlines) }
        typealias Row = Date?
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Date?.self) }
    }
}

extension Store {
    /// The earliest moment a timer fires or a run times out, for the timer service to sleep until.
    public func nextTimerDue() async throws -> Date? {
        try await earliest(DueTimes.NextTimer())
    }

    /// The earliest moment any work becomes due: a timer, a run timeout, a schedule's action, a task's visibility or an
    /// activity's deadline. The test environment skips its virtual clock to it when all is idle.
    public func nextDue() async throws -> Date? {
        try await earliest(DueTimes.Next())
    }

    /// The earliest activity lease expiry or deadline, for the reaper to sleep until.
    public func nextActivityDeadline() async throws -> Date? {
        try await earliest(DueTimes.NextActivityDeadline())
    }

    private func earliest<Read: PostgresPreparedStatement>(_ read: Read) async throws -> Date? where Read.Row == Date? {
        for try await date in try await pool.execute(read, logger: logger) { return date }
        return nil
    }
}
