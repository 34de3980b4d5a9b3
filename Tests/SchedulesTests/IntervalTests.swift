import Foundation
import Schedules
import Testing

@Suite struct IntervalTests {
    @Test func intervalTicksAreMultiplesOfTheIntervalFromTheEpochPlusThePhase() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 30), phase: .init(seconds: 5)))
        let next = calendar.nextTime(after: Date(timeIntervalSince1970: 1_000))
        #expect(next == Date(timeIntervalSince1970: 1_025))
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: 1_025)) == Date(timeIntervalSince1970: 1_055))
    }

    @Test func noTickPastEndAtAndNoneBeforeStartAt() throws {
        let spec = ScheduleSpec(
            interval: .init(seconds: 60), startAt: Date(timeIntervalSince1970: 6_000), endAt: Date(timeIntervalSince1970: 6_100))
        let calendar = try ScheduleCalendar(spec)
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: 0)) == Date(timeIntervalSince1970: 6_000))
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: 6_060)) == nil)
    }

    /// In the year 2300 a Double's seconds are too coarse for a microsecond's nudge before startAt.
    @Test func aTickAtAFarOffStartAtActs() throws {
        let startAt = Date(timeIntervalSince1970: 10_413_792_000.25)
        let interval = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 1), phase: .init(seconds: 0.25), startAt: startAt))
        #expect(interval.nextTime(after: Date(timeIntervalSince1970: 0)) == startAt)
        let cron = try ScheduleCalendar(ScheduleSpec(cron: ["* * * * *"], interval: .init(seconds: 7), startAt: .distantFuture))
        #expect(cron.nextTime(after: .now) == .distantFuture)
    }

    @Test func jitterIsTheSameForATickAndWithinItsBound() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 60), jitter: .init(seconds: 10)))
        let tick = Date(timeIntervalSince1970: 6_000)
        let first = calendar.actualTime(of: tick, scheduleId: "s")
        #expect(first == calendar.actualTime(of: tick, scheduleId: "s"))
        #expect(first >= tick && first <= tick.addingTimeInterval(10))
    }

    @Test func aSpecWithoutCronOrIntervalOrWithAnUnknownZoneIsRefusedNamingTheField() {
        #expect(throws: ScheduleSpecError(field: "spec", message: "a schedule needs a cron expression or an interval")) {
            try ScheduleCalendar(ScheduleSpec())
        }
        #expect { try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 60), timezone: "Mars/Olympus")) } throws: {
            ($0 as? ScheduleSpecError)?.field == "timezone"
        }
        #expect { try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: -1))) } throws: {
            ($0 as? ScheduleSpecError)?.field == "interval"
        }
    }
}
