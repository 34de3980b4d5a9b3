import Foundation
import Schedules
import Testing

@Suite struct JitterTests {
    /// Over 10,000 ticks, each tenth of [0, jitter) gets close to a tenth of the ticks. The hash is
    /// deterministic, so the counts are too.
    @Test func jitterIsSpreadEvenlyFromZeroUpToTheBound() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 3600), jitter: .init(seconds: 600)))
        var buckets = [Int](repeating: 0, count: 10)
        for hour in 0..<10_000 {
            let tick = Date(timeIntervalSince1970: 1_700_000_000 + Double(hour) * 3600)
            let delay = calendar.actualTime(of: tick, scheduleId: "digest").timeIntervalSince(tick)
            #expect(delay >= 0 && delay < 600)
            buckets[min(9, Int(delay / 60))] += 1
        }
        #expect(buckets.allSatisfy { (900...1100).contains($0) }, "\(buckets)")
    }

    @Test func schedulesWithDifferentIdsGetDifferentJitter() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(cron: ["@hourly"], jitter: .init(seconds: 600)))
        let tick = Ticks.instant("2024-01-01T10:00:00Z")
        let delays = Set((0..<20).map { calendar.actualTime(of: tick, scheduleId: "s\($0)") })
        #expect(delays.count > 15)
    }

    /// As in Temporal, jitter longer than the gap between ticks is cut to the gap.
    @Test func jitterNeverReachesTheNextTick() throws {
        let calendar = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 60), jitter: .init(seconds: 3600)))
        let delays = (0..<200).map { minute in
            let tick = Date(timeIntervalSince1970: 1_700_000_040 + Double(minute) * 60)
            return calendar.actualTime(of: tick, scheduleId: "s").timeIntervalSince(tick)
        }
        #expect(delays.allSatisfy { $0 >= 0 && $0 < 60 })
        #expect(delays.contains { $0 > 30 })
    }
}
