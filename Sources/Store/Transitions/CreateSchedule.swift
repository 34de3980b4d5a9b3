import Foundation
import PostgresNIO
import Schedules

extension Store {
    /// Creates a schedule; its first tick is the first after `now`. Wakes the schedule service.
    ///
    /// - Throws: ``ScheduleSpecError`` for a spec that does not compile; ``StoreError``
    ///   `ScheduleAlreadyExists` for an id taken in the namespace, `NamespaceNotFound`,
    ///   `InvalidArgument` for an empty id, type or task queue.
    public func createSchedule(_ schedule: Schedule, at now: Date) async throws {
        guard !schedule.scheduleId.isEmpty, !schedule.action.type.isEmpty, !(schedule.action.taskQueue ?? "").isEmpty else {
            throw StoreError(.invalidArgument, "scheduleId, action.type and action.taskQueue must not be empty")
        }
        guard schedule.catchupWindow >= .zero else { throw StoreError(.invalidArgument, "catchupWindow must not be negative") }
        let calendar = try ScheduleCalendar(schedule.spec)
        var schedule = schedule
        schedule.createdAt = now
        schedule.updatedAt = now
        schedule.scheduleNext(after: now, calendar: calendar)
        try await transaction { connection in
            try await self.requireNamespace(schedule.namespace, on: connection)
            var inserted = false
            for try await _ in try await connection.execute(SchedulesTable.Insert(schedule: schedule), logger: self.logger) { inserted = true }
            guard inserted else {
                throw StoreError(
                    .scheduleExists, "schedule \"\(schedule.scheduleId)\" already exists in namespace \"\(schedule.namespace)\"; delete it first")
            }
            try await self.notify(Channel.schedules, on: connection)
        }
    }

    /// Deletes a schedule. Its runs go on.
    ///
    /// - Throws: ``StoreError`` `ScheduleNotFound`.
    public func deleteSchedule(namespace: String, scheduleId: String) async throws {
        var deleted = false
        for try await _ in try await pool.execute(SchedulesTable.Delete(namespace: namespace, scheduleId: scheduleId), logger: logger) {
            deleted = true
        }
        guard deleted else { throw Self.scheduleNotFound(namespace: namespace, scheduleId: scheduleId) }
    }

    static func scheduleNotFound(namespace: String, scheduleId: String) -> StoreError {
        StoreError(.scheduleNotFound, "no schedule \"\(scheduleId)\" in namespace \"\(namespace)\"")
    }

    /// Locks a schedule in a transaction.
    func lockSchedule(namespace: String, scheduleId: String, on connection: PostgresConnection) async throws -> Schedule {
        for try await schedule in try await connection.execute(SchedulesTable.Lock(namespace: namespace, scheduleId: scheduleId), logger: logger) {
            return schedule
        }
        throw Self.scheduleNotFound(namespace: namespace, scheduleId: scheduleId)
    }
}
