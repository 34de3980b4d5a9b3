import Foundation
import PostgresNIO
import Schedules

extension Store {
    /// Pauses or unpauses a schedule, with a note saying why. A paused schedule takes no action
    /// and holds its buffered ticks; unpaused, it acts from the next tick after `now` (the ticks of
    /// the pause are not caught up).
    ///
    /// - Throws: ``StoreError`` `ScheduleNotFound`.
    public func setSchedulePaused(_ paused: Bool, namespace: String, scheduleId: String, note: String?, at now: Date) async throws {
        try await transaction { connection in
            var schedule = try await self.lockSchedule(namespace: namespace, scheduleId: scheduleId, on: connection)
            if let note { schedule.note = note }
            if schedule.paused && !paused {
                schedule.scheduleNext(after: now, calendar: try? ScheduleCalendar(schedule.spec))
            }
            schedule.paused = paused
            schedule.updatedAt = now
            try await connection.run(SchedulesTable.Save(schedule: schedule), logger: self.logger)
            if !paused { try await self.notify(Channel.schedules, on: connection) }
        }
    }
}
