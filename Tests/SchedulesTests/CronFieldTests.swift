import Foundation
import Schedules
import Testing

/// Each cron feature, seen through the ticks it computes (UTC unless a test says otherwise).
@Suite struct CronFieldTests {
    @Test func aStarMatchesEveryValue() throws {
        #expect(try Ticks.cron("* * * * *", after: "2024-01-01T10:59:30Z", count: 3) == [
            "2024-01-01T11:00:00Z", "2024-01-01T11:01:00Z", "2024-01-01T11:02:00Z",
        ])
    }

    @Test func aListMatchesEachOfItsValues() throws {
        #expect(try Ticks.cron("5,35 9,17 * * *", after: "2024-01-01T00:00:00Z", count: 5) == [
            "2024-01-01T09:05:00Z", "2024-01-01T09:35:00Z", "2024-01-01T17:05:00Z", "2024-01-01T17:35:00Z", "2024-01-02T09:05:00Z",
        ])
    }

    @Test func aRangeMatchesItsEndsAndBetween() throws {
        #expect(try Ticks.cron("0 22-23 * * *", after: "2024-01-01T21:00:00Z", count: 3) == [
            "2024-01-01T22:00:00Z", "2024-01-01T23:00:00Z", "2024-01-02T22:00:00Z",
        ])
    }

    @Test func stepsCountFromTheStartOfTheirRange() throws {
        #expect(try Ticks.cron("*/20 0 * * *", after: "2024-01-01T00:00:00Z", count: 3) == [
            "2024-01-01T00:20:00Z", "2024-01-01T00:40:00Z", "2024-01-02T00:00:00Z",
        ])
        #expect(try Ticks.cron("10-40/15 0 * * *", after: "2024-01-01T00:00:00Z", count: 4) == [
            "2024-01-01T00:10:00Z", "2024-01-01T00:25:00Z", "2024-01-01T00:40:00Z", "2024-01-02T00:10:00Z",
        ])
        // As in Temporal, `a/n` runs from a to the field's end.
        #expect(try Ticks.cron("0 20/2 * * *", after: "2024-01-01T00:00:00Z", count: 3) == [
            "2024-01-01T20:00:00Z", "2024-01-01T22:00:00Z", "2024-01-02T20:00:00Z",
        ])
    }

    @Test func monthAndWeekdayNamesInAnyCase() throws {
        // 2024-03-01 is a Friday.
        #expect(try Ticks.cron("0 0 1 mar,Sep *", after: "2024-01-01T00:00:00Z", count: 3) == [
            "2024-03-01T00:00:00Z", "2024-09-01T00:00:00Z", "2025-03-01T00:00:00Z",
        ])
        #expect(try Ticks.cron("0 0 * * MON-wed", after: "2024-03-01T00:00:00Z", count: 4) == [
            "2024-03-04T00:00:00Z", "2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z", "2024-03-11T00:00:00Z",
        ])
        #expect(try Ticks.cron("0 0 * FEBRUARY Friday", after: "2024-01-01T00:00:00Z", count: 1) == ["2024-02-02T00:00:00Z"])
    }

    @Test func sundayIsBothZeroAndSeven() throws {
        let zero = try Ticks.cron("0 12 * * 0", after: "2024-03-01T00:00:00Z", count: 3)
        #expect(zero == ["2024-03-03T12:00:00Z", "2024-03-10T12:00:00Z", "2024-03-17T12:00:00Z"])
        #expect(try Ticks.cron("0 12 * * 7", after: "2024-03-01T00:00:00Z", count: 3) == zero)
        #expect(try Ticks.cron("0 12 * * 6-7", after: "2024-03-01T00:00:00Z", count: 3) == [
            "2024-03-02T12:00:00Z", "2024-03-03T12:00:00Z", "2024-03-09T12:00:00Z",
        ])
    }

    @Test func namedExpressionsExpandAsInTemporal() throws {
        let start = "2024-02-14T10:30:00Z"  // a Wednesday
        #expect(try Ticks.cron("@yearly", after: start, count: 1) == ["2025-01-01T00:00:00Z"])
        #expect(try Ticks.cron("@annually", after: start, count: 1) == ["2025-01-01T00:00:00Z"])
        #expect(try Ticks.cron("@monthly", after: start, count: 1) == ["2024-03-01T00:00:00Z"])
        #expect(try Ticks.cron("@weekly", after: start, count: 1) == ["2024-02-18T00:00:00Z"])
        #expect(try Ticks.cron("@daily", after: start, count: 1) == ["2024-02-15T00:00:00Z"])
        #expect(try Ticks.cron("@midnight", after: start, count: 1) == ["2024-02-15T00:00:00Z"])
        #expect(try Ticks.cron("@HOURLY", after: start, count: 1) == ["2024-02-14T11:00:00Z"])
    }

    /// Temporal's rule, not Vixie cron's: with both day fields restricted, a day must match both
    /// (Vixie would act on the 13th of every month and on every Friday).
    @Test func aDayMatchesWhenBothItsDayOfMonthAndItsDayOfWeekMatch() throws {
        #expect(try Ticks.cron("0 0 13 * FRI", after: "2024-01-01T00:00:00Z", count: 3) == [
            "2024-09-13T00:00:00Z", "2024-12-13T00:00:00Z", "2025-06-13T00:00:00Z",
        ])
    }

    @Test func fieldsAreSeparatedByAnyWhitespace() throws {
        #expect(try Ticks.cron(" 0\t12  * *\tSUN\n", after: "2024-03-01T00:00:00Z", count: 1) == ["2024-03-03T12:00:00Z"])
    }

    @Test func theNextTickIsStrictlyAfterTheTimeEvenOnATick() throws {
        #expect(try Ticks.cron("0 * * * *", after: "2024-01-01T10:00:00Z", count: 1) == ["2024-01-01T11:00:00Z"])
        #expect(try Ticks.cron("0 * * * *", after: "2024-01-01T09:59:59Z", count: 1) == ["2024-01-01T10:00:00Z"])
    }
}
