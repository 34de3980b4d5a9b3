import Foundation
import Schedules
import Testing

/// Several cron expressions and an interval act at the union of their times, within startAt–endAt.
@Suite struct UnionTests {
    @Test func theNextTimeIsTheEarliestOfEveryExpressionAndTheInterval() throws {
        let spec = ScheduleSpec(cron: ["0 12 * * *", "30 6 * * MON", "@daily"], interval: .init(seconds: 8 * 3600))
        // 2024-03-03 is a Sunday. The interval's midnight and @daily's coincide: one tick.
        #expect(try Ticks.of(spec, after: "2024-03-03T00:00:00Z", count: 7) == [
            "2024-03-03T08:00:00Z", "2024-03-03T12:00:00Z", "2024-03-03T16:00:00Z", "2024-03-04T00:00:00Z",
            "2024-03-04T06:30:00Z", "2024-03-04T08:00:00Z", "2024-03-04T12:00:00Z",
        ])
    }

    @Test func cronTicksStartAtStartAtAndEndAtEndAtBothIncluded() throws {
        let spec = ScheduleSpec(
            cron: ["0 * * * *"], startAt: Ticks.instant("2024-01-01T10:00:00Z"), endAt: Ticks.instant("2024-01-01T12:00:00Z"))
        #expect(try Ticks.of(spec, after: "2023-06-01T00:00:00Z", count: 10) == [
            "2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z", "2024-01-01T12:00:00Z",
        ])
    }

    @Test func theSpecDecodesFromTheAPIsJSON() throws {
        let json = #"{"cron":["0 9 * * MON-FRI"],"interval":"2h","jitter":30,"timezone":"Europe/Berlin"}"#
        let spec = try JSONDecoder().decode(ScheduleSpec.self, from: Data(json.utf8))
        #expect(spec.cron == ["0 9 * * MON-FRI"] && spec.interval?.seconds == 7200 && spec.jitter?.seconds == 30)
        #expect(try Ticks.of(spec, after: "2024-03-01T07:30:00Z", count: 3) == [
            "2024-03-01T08:00:00Z", "2024-03-01T10:00:00Z", "2024-03-01T12:00:00Z",
        ])
    }
}
