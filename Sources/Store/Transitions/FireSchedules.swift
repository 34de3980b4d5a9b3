import Foundation
import Logging
import PostgresNIO
import Schedules
import Workflow

/// The schedule service's transition: each due schedule, in a transaction of its own, is locked
/// (`FOR UPDATE SKIP LOCKED`), its due ticks act under its overlap policy, and its state is
/// written back. A tick's run has the workflow id `{scheduleId}-{nominal time}` and is started
/// with the id-reuse policy `RejectDuplicate`, so a tick never starts twice, even if two servers
/// both got to it.
extension Store {
    /// The most ticks one schedule acts on per transaction; the rest wait for the next round.
    static let ticksPerTransaction = 100

    /// Fires the due schedules: their due ticks, and the buffered ticks of those whose run closed.
    ///
    /// - Parameter clock: the time each schedule's transaction records as its runs' start (a round
    ///   of many schedules takes a while); `now` when nil.
    /// - Returns: how many schedules were fired.
    @discardableResult
    public func fireDueSchedules(at now: Date, limit: Int = 500, clock: (@Sendable () -> Date)? = nil) async throws -> Int {
        var keys: [(String, String)] = []
        for try await key in try await pool.execute(SchedulesTable.Due(now: now, limit: limit), logger: logger) { keys.append(key) }
        for try await key in try await pool.execute(SchedulesTable.Released(limit: limit), logger: logger) {
            if !keys.contains(where: { $0 == key }) { keys.append(key) }
        }
        // Schedules are independent rows, so their transactions run side by side, a few at a time.
        return await withTaskGroup(of: Bool.self) { group in
            var fired = 0
            var pending = keys[...]
            func next() {
                guard let (namespace, scheduleId) = pending.popFirst() else { return }
                group.addTask { await self.fireLogged(namespace, scheduleId, at: max(now, clock?() ?? now)) }
            }
            for _ in 0..<Self.schedulesFiredAtOnce { next() }
            for await done in group {
                if done { fired += 1 }
                next()
            }
            return fired
        }
    }

    /// How many schedules' transactions one round runs at once.
    static let schedulesFiredAtOnce = 8

    /// Fires one schedule in its own transaction; a failure is logged and leaves the others to fire.
    private func fireLogged(_ namespace: String, _ scheduleId: String, at now: Date) async -> Bool {
        do {
            return try await transaction { connection in try await self.fireSchedule(namespace, scheduleId, at: now, on: connection) }
        } catch {
            logger.warning(
                "Schedule failed to fire", metadata: ["namespace": "\(namespace)", "scheduleId": "\(scheduleId)", "error": "\(error)"])
            return false
        }
    }

    /// Fires one schedule if it is still due and no other server holds it.
    private func fireSchedule(_ namespace: String, _ scheduleId: String, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        var locked: Schedule?
        for try await row in try await connection.execute(
            SchedulesTable.LockIfDue(namespace: namespace, scheduleId: scheduleId, now: now), logger: logger)
        {
            locked = row
        }
        guard var schedule = locked else { return false }
        let metadata: Logger.Metadata = ["namespace": "\(namespace)", "scheduleId": "\(scheduleId)"]
        let calendar: ScheduleCalendar
        do {
            calendar = try ScheduleCalendar(schedule.spec)
        } catch {
            // A spec stored before a rule tightened: the schedule stops rather than fail every round.
            logger.error("Schedule spec no longer compiles; the schedule stops", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            schedule.setNext(nil, calendar: nil)
            try await connection.run(SchedulesTable.Save(schedule: schedule), logger: logger)
            return true
        }
        var result = ScheduleActionResult()
        // A buffered tick starts once the run it waited for has closed; one at a time.
        if !schedule.buffered.isEmpty, try await !isRunning(schedule.lastRunId, on: connection) {
            let nominal = schedule.buffered.removeFirst()
            try await startTick(nominal, of: &schedule, at: now, on: connection, result: &result)
        }
        if schedule.nextActionTime.map({ $0 <= now }) ?? false {
            let ticks = ScheduleDueTicks(
                calendar: calendar, scheduleId: scheduleId, from: schedule.nextNominalTime, now: now, catchupWindow: schedule.catchupWindow,
                limit: Self.ticksPerTransaction)
            if ticks.missed > 0 {
                schedule.missedCatchupWindow += Int64(ticks.missed)
                logger.warning(
                    "Schedule skipped ticks missed by more than its catch-up window",
                    metadata: metadata.merging(["missed": "\(ticks.missed)", "catchupWindow": "\(schedule.catchupWindow)"]) { $1 })
            }
            for nominal in ticks.due {
                try await act(onTick: nominal, of: &schedule, policy: schedule.overlapPolicy, at: now, on: connection, result: &result)
            }
            schedule.setNext(ticks.next, calendar: calendar)
        }
        schedule.updatedAt = now
        try await connection.run(SchedulesTable.Save(schedule: schedule), logger: logger)
        return true
    }

    /// Acts on one tick of a locked schedule under `policy`, given whether its last run is open.
    func act(
        onTick nominal: Date, of schedule: inout Schedule, policy: ScheduleOverlapPolicy, at now: Date, on connection: PostgresConnection,
        result: inout ScheduleActionResult
    ) async throws {
        let reason = "schedule \"\(schedule.scheduleId)\" overlap policy \(policy.rawValue)"
        // AllowAll starts whatever runs, so it spares the read.
        let running = policy == .allowAll ? false : try await isRunning(schedule.lastRunId, on: connection)
        switch policy.decision(running: running) {
        case .start:
            try await startTick(nominal, of: &schedule, at: now, on: connection, result: &result)
        case .skip:
            schedule.overlapSkipped += 1
            result.skipped += 1
        case .buffer(let replacing):
            if replacing {
                schedule.buffered = [nominal]
            } else if schedule.buffered.count < Schedule.maxBufferedTicks {
                schedule.buffered.append(nominal)
            } else {
                schedule.overlapSkipped += 1
                result.skipped += 1
                return
            }
            result.buffered += 1
        case .cancelAndBuffer:
            if let runId = schedule.lastRunId {
                var run = try await lockRun(runId, on: connection)
                if run.status.isOpen { try await requestCancel(&run, reason: reason, identity: nil, at: now, on: connection) }
            }
            schedule.buffered = [nominal]
            result.buffered += 1
        case .terminateAndStart:
            if let runId = schedule.lastRunId {
                var run = try await lockRun(runId, on: connection)
                if run.status.isOpen { try await terminate(&run, reason: "terminated by \(reason)", identity: nil, at: now, on: connection) }
            }
            try await startTick(nominal, of: &schedule, at: now, on: connection, result: &result)
        }
    }

    /// Starts the run of the tick at `nominal` through the Store's start, on the schedule's
    /// transaction. A workflow id that has run already (the tick was started, by a backfill or a
    /// trigger in the same second) is a skip, not an error.
    private func startTick(
        _ nominal: Date, of schedule: inout Schedule, at now: Date, on connection: PostgresConnection, result: inout ScheduleActionResult
    ) async throws {
        let workflowId = ScheduleWorkflowAction.workflowId(scheduleId: schedule.scheduleId, nominal: nominal)
        let request = StartWorkflowRequest(
            namespace: schedule.namespace, workflowId: workflowId, workflowType: schedule.action.type,
            taskQueue: schedule.action.taskQueue ?? "", input: schedule.action.input, idReusePolicy: .rejectDuplicate)
        do {
            let started = try await startOrUseExisting(request, at: now, on: connection)
            let action = ScheduleRecentAction(scheduledTime: nominal, actualTime: now, workflowId: workflowId, runId: started.runId)
            schedule.record(action)
            result.started.append(action)
        } catch let error as StoreError where error.code == .workflowAlreadyStarted {
            schedule.overlapSkipped += 1
            result.skipped += 1
            logger.info(
                "Schedule tick already started", metadata: ["scheduleId": "\(schedule.scheduleId)", "workflowId": "\(workflowId)"])
        }
    }

    /// Whether a schedule's last run is open.
    private func isRunning(_ runId: UUID?, on connection: PostgresConnection) async throws -> Bool {
        guard let runId else { return false }
        for try await _ in try await connection.execute(ExecutionsTable.OpenOf(runIds: [runId]), logger: logger) { return true }
        return false
    }
}
