import Foundation
import Schedules
import Workflow

/// A schedule: what starts runs on a calendar (``ScheduleSpec``), what it starts, and the state
/// the schedule service keeps while firing it.
public struct Schedule: Sendable, Equatable {
    public var namespace: String
    public var scheduleId: String
    public var spec: ScheduleSpec
    public var action: ScheduleWorkflowAction
    /// What a tick does while the previous action's run is open.
    public var overlapPolicy: ScheduleOverlapPolicy
    /// Ticks missed (every server down) by more than this are skipped, not started.
    public var catchupWindow: Duration
    public var paused: Bool
    /// Why it was paused or unpaused, or the note it was created with.
    public var note: String
    /// The next tick's nominal time; nil when the spec has no more.
    public var nextNominalTime: Date?
    /// When the next tick acts: its nominal time plus jitter.
    public var nextActionTime: Date?
    /// Nominal times of ticks held until the open run closes (BufferOne, BufferAll, CancelOther).
    public var buffered: [Date] = []
    /// The run of the latest action, which decides whether a tick overlaps.
    public var lastRunId: UUID?
    /// The latest actions, newest last (at most ``Schedule/recentActionsKept``).
    public var recentActions: [ScheduleRecentAction] = []
    public var actionCount: Int64 = 0
    /// Ticks skipped because they were missed by more than the catch-up window.
    public var missedCatchupWindow: Int64 = 0
    /// Ticks skipped by the overlap policy.
    public var overlapSkipped: Int64 = 0
    public var createdAt: Date
    public var updatedAt: Date

    /// How many recent actions a schedule keeps.
    public static let recentActionsKept = 10
    /// The default catch-up window, Temporal's.
    public static let defaultCatchupWindow: Duration = .seconds(60)
    /// The most ticks BufferAll holds; a tick beyond it is skipped, as Temporal bounds its buffer.
    public static let maxBufferedTicks = 1000
    /// The most ticks one backfill may start: a wider range is refused, not cut short.
    public static let maxBackfillTicks = 1000

    public init(
        namespace: String, scheduleId: String, spec: ScheduleSpec, action: ScheduleWorkflowAction,
        overlapPolicy: ScheduleOverlapPolicy = .skip, catchupWindow: Duration = Schedule.defaultCatchupWindow, paused: Bool = false,
        note: String = "", at now: Date
    ) {
        self.namespace = namespace
        self.scheduleId = scheduleId
        self.spec = spec
        self.action = action
        self.overlapPolicy = overlapPolicy
        self.catchupWindow = catchupWindow
        self.paused = paused
        self.note = note
        self.createdAt = now
        self.updatedAt = now
    }

    /// Points the next tick at the first one strictly after `time`.
    mutating func scheduleNext(after time: Date, calendar: ScheduleCalendar?) {
        setNext(calendar?.tick(after: time), calendar: calendar)
    }

    mutating func setNext(_ nominal: Date?, calendar: ScheduleCalendar?) {
        nextNominalTime = calendar == nil ? nil : nominal
        nextActionTime = nominal.flatMap { nominal in calendar.map { $0.actualTime(of: nominal, scheduleId: scheduleId) } }
    }

    mutating func record(_ action: ScheduleRecentAction) {
        recentActions.append(action)
        if recentActions.count > Self.recentActionsKept { recentActions.removeFirst(recentActions.count - Self.recentActionsKept) }
        actionCount += 1
        lastRunId = action.runId
    }
}

/// A schedule as `describe` shows it: the schedule, its next action times and its open runs.
public struct ScheduleDescription: Sendable, Equatable {
    public var schedule: Schedule
    /// When the next few ticks act (jitter included); empty while paused.
    public var nextActionTimes: [Date]
    /// The schedule's recent actions whose runs are still open.
    public var runningWorkflows: [ScheduleRecentAction]
}

/// What a trigger or a backfill did with each tick.
public struct ScheduleActionResult: Sendable, Equatable {
    /// The runs started.
    public var started: [ScheduleRecentAction] = []
    /// Ticks held for the open run (BufferOne, BufferAll, CancelOther).
    public var buffered = 0
    /// Ticks dropped by the overlap policy, or whose workflow id had run already.
    public var skipped = 0
}
