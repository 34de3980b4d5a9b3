import Foundation
import PostgresNIO
import Schedules

extension Store {
    /// How many next action times describe shows.
    public static let nextActionTimesShown = 5

    /// A schedule, its next action times and its open runs.
    ///
    /// - Throws: ``StoreError`` `ScheduleNotFound`.
    public func describeSchedule(namespace: String, scheduleId: String) async throws -> ScheduleDescription {
        var found: Schedule?
        for try await row in try await pool.execute(SchedulesTable.Get(namespace: namespace, scheduleId: scheduleId), logger: logger) {
            found = row
        }
        guard let schedule = found else { throw Self.scheduleNotFound(namespace: namespace, scheduleId: scheduleId) }
        var open: Set<UUID> = []
        let runIds = schedule.recentActions.map(\.runId)
        for try await runId in try await pool.execute(ExecutionsTable.OpenOf(runIds: runIds), logger: logger) { open.insert(runId) }
        return ScheduleDescription(
            schedule: schedule, nextActionTimes: schedule.nextActionTimes(),
            runningWorkflows: schedule.recentActions.filter { open.contains($0.runId) })
    }

    /// A namespace's schedules by id, after the schedule id `after`.
    public func listSchedules(namespace: String, after: String?, limit: Int) async throws -> [Schedule] {
        var schedules: [Schedule] = []
        for try await schedule in try await pool.execute(
            SchedulesTable.List(namespace: namespace, after: after ?? "", limit: limit), logger: logger)
        {
            schedules.append(schedule)
        }
        return schedules
    }

    /// The earliest next action time of an unpaused schedule, for the schedule service to sleep until.
    public func nextScheduleDue() async throws -> Date? {
        for try await date in try await pool.execute(DueTimes.NextSchedule(), logger: logger) { return date }
        return nil
    }
}

extension Schedule {
    /// When the next few ticks act (jitter included); empty while paused.
    public func nextActionTimes(count: Int = Store.nextActionTimesShown) -> [Date] {
        guard !paused, let calendar = try? ScheduleCalendar(spec) else { return [] }
        var times: [Date] = []
        var tick = nextNominalTime
        while let nominal = tick, times.count < count {
            times.append(calendar.actualTime(of: nominal, scheduleId: scheduleId))
            tick = calendar.tick(after: nominal)
        }
        return times
    }
}
