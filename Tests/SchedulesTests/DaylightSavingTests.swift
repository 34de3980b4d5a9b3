import Foundation
import Schedules
import Testing

/// Temporal's rules across daylight-saving changes: a clock reading that does not exist does not
/// act, and one that happens twice acts twice.
@Suite struct DaylightSavingTests {
    /// New York, 2022-03-13: at 2:00 EST (07:00Z) clocks jump to 3:00 EDT, so there is no 2:30.
    @Test func aTimeInTheSpringGapIsSkippedInNewYork() throws {
        #expect(try Ticks.cron("30 2 * * *", timezone: "America/New_York", after: "2022-03-12T00:00:00-05:00", count: 2) == [
            "2022-03-12T07:30:00Z",  // 2:30 EST
            "2022-03-14T06:30:00Z",  // 2:30 EDT: none on the 13th
        ])
        #expect(try Ticks.cron("0,30 1-3 * * *", timezone: "America/New_York", after: "2022-03-13T00:00:00-05:00", count: 4) == [
            "2022-03-13T06:00:00Z",  // 1:00 EST
            "2022-03-13T06:30:00Z",  // 1:30 EST
            "2022-03-13T07:00:00Z",  // 3:00 EDT, the instant of the change
            "2022-03-13T07:30:00Z",  // 3:30 EDT
        ])
    }

    /// New York, 2021-11-07: at 2:00 EDT (06:00Z) clocks go back to 1:00 EST, so 1:00–1:59 repeats.
    @Test func aTimeInTheAutumnRepeatActsTwiceInNewYork() throws {
        #expect(try Ticks.cron("30,45 1 * * *", timezone: "America/New_York", after: "2021-11-07T00:00:00-04:00", count: 5) == [
            "2021-11-07T05:30:00Z",  // 1:30 EDT
            "2021-11-07T05:45:00Z",  // 1:45 EDT
            "2021-11-07T06:30:00Z",  // 1:30 EST
            "2021-11-07T06:45:00Z",  // 1:45 EST
            "2021-11-08T06:30:00Z",  // 1:30 EST, once
        ])
        #expect(try Ticks.cron("0 2 * * *", timezone: "America/New_York", after: "2021-11-07T00:00:00-04:00", count: 1) == [
            "2021-11-07T07:00:00Z"  // 2:00 EST: 2:00 EDT never showed on the clock
        ])
    }

    /// From inside the first pass of the repeated hour, a later reading of that pass comes before
    /// an earlier reading of the second pass.
    @Test func fromInsideTheRepeatTheTicksStayInInstantOrder() throws {
        #expect(try Ticks.cron("30,55 1 * * *", timezone: "America/New_York", after: "2021-11-07T01:50:00-04:00", count: 3) == [
            "2021-11-07T05:55:00Z",  // 1:55 EDT
            "2021-11-07T06:30:00Z",  // 1:30 EST
            "2021-11-07T06:55:00Z",  // 1:55 EST
        ])
    }

    /// Berlin, 2024-03-31: at 2:00 CET (01:00Z) clocks jump to 3:00 CEST.
    @Test func aTimeInTheSpringGapIsSkippedInBerlin() throws {
        #expect(try Ticks.cron("30 2 * * *", timezone: "Europe/Berlin", after: "2024-03-30T00:00:00+01:00", count: 2) == [
            "2024-03-30T01:30:00Z",  // 2:30 CET
            "2024-04-01T00:30:00Z",  // 2:30 CEST: none on the 31st
        ])
    }

    /// Berlin, 2024-10-27: at 3:00 CEST (01:00Z) clocks go back to 2:00 CET.
    @Test func aTimeInTheAutumnRepeatActsTwiceInBerlin() throws {
        #expect(try Ticks.cron("30 2 * * *", timezone: "Europe/Berlin", after: "2024-10-26T12:00:00+02:00", count: 3) == [
            "2024-10-27T00:30:00Z",  // 2:30 CEST
            "2024-10-27T01:30:00Z",  // 2:30 CET
            "2024-10-28T01:30:00Z",  // 2:30 CET
        ])
    }

    @Test func aDailyTimeKeepsItsClockTimeAcrossTheChange() throws {
        #expect(try Ticks.cron("0 9 * * *", timezone: "America/New_York", after: "2022-03-12T00:00:00-05:00", count: 2) == [
            "2022-03-12T14:00:00Z",  // 9:00 EST
            "2022-03-13T13:00:00Z",  // 9:00 EDT
        ])
    }

    /// Offset changes that are not daylight saving follow the same rules: Moscow went from +4 to +3
    /// for good on 2014-10-26, and Samoa skipped 2011-12-30 moving from -10 to +14.
    @Test func otherOffsetChangesFollowTheSameRules() throws {
        #expect(try Ticks.cron("0 12 * * *", timezone: "Europe/Moscow", after: "2014-10-25T00:00:00+04:00", count: 2) == [
            "2014-10-25T08:00:00Z",  // 12:00 +4
            "2014-10-26T09:00:00Z",  // 12:00 +3
        ])
        #expect(try Ticks.cron("0 12 * * *", timezone: "Pacific/Apia", after: "2011-12-29T00:00:00-10:00", count: 2) == [
            "2011-12-29T22:00:00Z",  // 29 December, 12:00 -10
            "2011-12-30T22:00:00Z",  // 31 December, 12:00 +14: the 30th never was
        ])
    }
}
