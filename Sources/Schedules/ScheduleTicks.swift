import Foundation
import Workflow

/// What a schedule does with one tick while deciding it: the overlap policy applied to whether its
/// previous action's run is still open.
public enum ScheduleTickDecision: Sendable, Hashable {
    /// Start the tick's run now.
    case start
    /// Terminate the open run, then start the tick's run.
    case terminateAndStart
    /// Drop the tick.
    case skip
    /// Keep the tick for when the open run closes: as the only one kept (`replacing`), or after the others.
    case buffer(replacing: Bool)
    /// Ask the open run to cancel, and keep the tick (as the only one) for when it closes.
    case cancelAndBuffer
}

extension ScheduleOverlapPolicy {
    /// Temporal's semantics: with no open run every policy starts the tick.
    public func decision(running: Bool) -> ScheduleTickDecision {
        guard running else { return .start }
        switch self {
        case .skip: return .skip
        case .bufferOne: return .buffer(replacing: true)
        case .bufferAll: return .buffer(replacing: false)
        case .cancelOther: return .cancelAndBuffer
        case .terminateOther: return .terminateAndStart
        case .allowAll: return .start
        }
    }
}

/// The ticks due at a moment, split by the catch-up window: ticks whose action time passed more
/// than the window ago (missed while every server was down) are dropped and counted.
public struct ScheduleDueTicks: Sendable, Equatable {
    /// Nominal times of the ticks to act on, oldest first.
    public var due: [Date]
    /// How many ticks were beyond the catch-up window.
    public var missed: Int
    /// The next tick's nominal time, nil when the spec has no more.
    public var next: Date?

    /// Counting missed ticks one by one stops here; the rest are jumped over uncounted.
    static let countedMissedLimit = 100_000

    /// The ticks from `next` (a nominal time) whose action time is at or before `now`, at most
    /// `limit` of them to act on (the rest stay for the next call).
    public init(calendar: ScheduleCalendar, scheduleId: String, from next: Date?, now: Date, catchupWindow: Duration, limit: Int) {
        var due: [Date] = []
        var missed = 0
        var tick = next
        let oldest = now.addingTimeInterval(-catchupWindow.seconds)
        while let nominal = tick, due.count < limit {
            let action = calendar.actualTime(of: nominal, scheduleId: scheduleId)
            guard action <= now else { break }
            if action < oldest {
                missed += 1
                // A long outage of a short interval: jump to the window's start once counted enough.
                tick = missed >= Self.countedMissedLimit ? calendar.tick(after: oldest) : calendar.tick(after: nominal)
            } else {
                due.append(nominal)
                tick = calendar.tick(after: nominal)
            }
        }
        self.due = due
        self.missed = missed
        self.next = tick
    }
}

extension ScheduleCalendar {
    /// The tick after `time`, at least a millisecond later: a tick read back from Postgres is
    /// rounded to the microsecond, and ``nextTime(after:)`` of a time a hair before a tick can
    /// answer that same tick again.
    public func tick(after time: Date) -> Date? {
        guard let next = nextTime(after: time) else { return nil }
        return next.timeIntervalSince(time) >= 0.001 ? next : nextTime(after: time.addingTimeInterval(0.001))
    }
}
