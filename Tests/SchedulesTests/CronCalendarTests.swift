import Foundation
import Schedules
import Testing

/// Ticks across the ends of months and years, leap days, and rare expressions.
@Suite struct CronCalendarTests {
    @Test func theNextTickCrossesTheEndOfAMonthAndOfAYear() throws {
        #expect(try Ticks.cron("30 23 31 * *", after: "2024-01-31T23:30:00Z", count: 3) == [
            "2024-03-31T23:30:00Z", "2024-05-31T23:30:00Z", "2024-07-31T23:30:00Z",
        ])
        #expect(try Ticks.cron("0 0 1 * *", after: "2024-12-31T23:59:00Z", count: 2) == [
            "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z",
        ])
        #expect(try Ticks.cron("59 23 31 12 *", after: "2024-06-01T00:00:00Z", count: 2) == [
            "2024-12-31T23:59:00Z", "2025-12-31T23:59:00Z",
        ])
    }

    @Test func theLeapDayComesEveryFourYearsButNotIn2100() throws {
        #expect(try Ticks.cron("0 0 29 2 *", after: "2023-03-01T00:00:00Z", count: 3) == [
            "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z",
        ])
        #expect(try Ticks.cron("0 0 29 2 *", after: "2096-03-01T00:00:00Z", count: 1) == ["2104-02-29T00:00:00Z"])
        #expect(try Ticks.cron("0 0 28-31 2 *", after: "2024-02-27T00:00:00Z", count: 3) == [
            "2024-02-28T00:00:00Z", "2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z",
        ])
    }

    /// The leap day on a Monday comes at most a few times a century: the search finds it without
    /// scanning minute by minute.
    @Test func aRareExpressionIsFound() throws {
        #expect(try Ticks.cron("0 0 29 2 MON", after: "2024-03-01T00:00:00Z", count: 2) == [
            "2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z",
        ])
    }

    @Test func anExpressionThatCanNeverMatchIsRefused() {
        for never in ["0 0 31 2 *", "0 0 30,31 feb *", "0 0 31 4,6,9,11 *"] {
            let refusal = Ticks.refusal(ScheduleSpec(cron: ["@daily", never]))
            #expect(refusal?.field == "cron[1]", "\(never)")
            #expect(refusal?.message.contains("never matches") == true, "\(never)")
        }
    }

    @Test func noTickIsComputedPastTheLatestTime() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(cron: ["0 0 29 2 MON"]))
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: 2e11)) == nil)
    }
}
