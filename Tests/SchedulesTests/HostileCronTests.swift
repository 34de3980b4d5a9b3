import Foundation
import Schedules
import Testing

/// Bad cron expressions are refused with the expression's field (`cron[i]`) and the part at fault.
@Suite struct HostileCronTests {
    /// Each expression goes second, after a good one, so the error names `cron[1]`.
    @Test(arguments: [
        ("*/0 * * * *", "field 1 (minute) \"*/0\""),
        ("60 * * * *", "field 1 (minute) \"60\": 60 is out of range 0-59"),
        ("99999999999999999999 * * * *", "out of range 0-59"),
        ("* 24 * * *", "field 2 (hour)"),
        ("* * 0 * *", "field 3 (day-of-month)"),
        ("* * 32 * *", "field 3 (day-of-month)"),
        ("* * * 13 *", "field 4 (month)"),
        ("* * * JANX *", "field 4 (month) \"JANX\""),
        ("* * * JA *", "field 4 (month) \"JA\""),
        ("* * * * 8", "field 5 (day-of-week)"),
        ("* * * * FUNDAY", "field 5 (day-of-week)"),
        ("5-1 * * * *", "ends before it starts"),
        ("1,,2 * * * *", "empty item"),
        ("1/2/3 * * * *", "more than one step"),
        ("1-2-3 * * * *", "more than one \"-\""),
        ("-5 * * * *", "field 1 (minute)"),
        ("*/99999999999 * * * *", "the step in \"*/99999999999\" must be a number from 1 to 60"),
        ("*/61 * * * *", "from 1 to 60"),
        ("١ * * * *", "field 1 (minute)"),
        ("L * * * *", "field 1 (minute)"),
        ("* * * *", "has 4 fields"),
        ("0 * * * * 2024", "has 6 fields"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("@every 5m", "is not a cron name"),
        (String(repeating: "1,", count: 5_000) + "1 * * * *", "at most 200 characters"),
    ])
    func aBadExpressionIsRefusedNamingItsFieldAndPart(expression: String, expected: String) {
        let refusal = Ticks.refusal(ScheduleSpec(cron: ["@daily", expression]))
        #expect(refusal?.field == "cron[1]")
        #expect(refusal?.message.contains(expected) == true, "\(refusal?.message ?? "accepted")")
        #expect((refusal?.message.count ?? 0) < 400)
    }

    @Test func tooManyExpressionsAreRefused() {
        let refusal = Ticks.refusal(ScheduleSpec(cron: Array(repeating: "@daily", count: ScheduleCalendar.maximumCronExpressions + 1)))
        #expect(refusal?.field == "cron")
    }

    @Test func aHugeTimeZoneNameIsRefusedShortly() {
        let refusal = Ticks.refusal(ScheduleSpec(cron: ["@daily"], timezone: String(repeating: "Europe/", count: 2_000)))
        #expect(refusal?.field == "timezone")
        #expect((refusal?.message.count ?? 0) < 200)
    }

    @Test func extremeTimesGiveNoTickRatherThanACrash() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(cron: ["* * * * *"], timezone: "Europe/Berlin"))
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: -.greatestFiniteMagnitude)) == nil)
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: .greatestFiniteMagnitude)) == nil)
        #expect(calendar.nextTime(after: Date(timeIntervalSince1970: 2e11)) == nil)
        // Year 4001 is within reach.
        let startsLate = try ScheduleCalendar(ScheduleSpec(cron: ["* * * * *"], startAt: .distantFuture))
        #expect(startsLate.nextTime(after: .now) == .distantFuture)
    }
}
