import Foundation
import PostgresNIO
import Schedules

extension Store {
    /// Acts on a schedule now, as a tick at `now` under its overlap policy: the run's workflow id
    /// is `{scheduleId}-{now}`. Works while paused.
    ///
    /// - Throws: ``StoreError`` `ScheduleNotFound`.
    public func triggerSchedule(namespace: String, scheduleId: String, at now: Date) async throws -> ScheduleActionResult {
        try await transaction { connection in
            var schedule = try await self.lockSchedule(namespace: namespace, scheduleId: scheduleId, on: connection)
            var result = ScheduleActionResult()
            try await self.act(onTick: now, of: &schedule, policy: schedule.overlapPolicy, at: now, on: connection, result: &result)
            schedule.updatedAt = now
            try await connection.run(SchedulesTable.Save(schedule: schedule), logger: self.logger)
            return result
        }
    }

    /// Acts on every tick of the spec in `[startTime, endTime]`, now, under `overlapPolicy` (the
    /// schedule's when nil). Ticks whose runs exist already are skipped, so a backfill repeated is
    /// harmless.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when the range is reversed or holds more than
    ///   ``Schedule/maxBackfillTicks`` ticks; `ScheduleNotFound`.
    public func backfillSchedule(
        namespace: String, scheduleId: String, startTime: Date, endTime: Date, overlapPolicy: ScheduleOverlapPolicy?, at now: Date
    ) async throws -> ScheduleActionResult {
        guard startTime <= endTime else { throw StoreError(.invalidArgument, "backfill endTime is before startTime") }
        return try await transaction { connection in
            var schedule = try await self.lockSchedule(namespace: namespace, scheduleId: scheduleId, on: connection)
            let calendar = try ScheduleCalendar(schedule.spec)
            var ticks: [Date] = []
            var tick = calendar.nextTime(after: startTime.addingTimeInterval(-0.001))
            while let nominal = tick, nominal <= endTime {
                guard ticks.count < Schedule.maxBackfillTicks else {
                    throw StoreError(
                        .invalidArgument,
                        "the backfill range holds more than \(Schedule.maxBackfillTicks) ticks; split it into smaller ranges")
                }
                ticks.append(nominal)
                tick = calendar.tick(after: nominal)
            }
            var result = ScheduleActionResult()
            for nominal in ticks {
                try await self.act(
                    onTick: nominal, of: &schedule, policy: overlapPolicy ?? schedule.overlapPolicy, at: now, on: connection, result: &result)
            }
            schedule.updatedAt = now
            try await connection.run(SchedulesTable.Save(schedule: schedule), logger: self.logger)
            return result
        }
    }
}
