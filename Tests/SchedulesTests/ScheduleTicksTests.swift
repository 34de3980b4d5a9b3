import Foundation
import Schedules
import Testing

@Suite struct ScheduleTicksTests {
    let calendar = try! ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 60)))

    @Test func ticksBeyondTheCatchupWindowAreCountedAndSkipped() {
        let start = Date(timeIntervalSince1970: 6_000)
        // Ten ticks (6000 … 6540) have passed at 6570; the window keeps the last 150 s.
        let ticks = ScheduleDueTicks(
            calendar: calendar, scheduleId: "s", from: start, now: start.addingTimeInterval(570), catchupWindow: .seconds(150), limit: 100)
        #expect(ticks.due == [6_420.0, 6_480, 6_540].map { Date(timeIntervalSince1970: $0) })
        #expect(ticks.missed == 7)
        #expect(ticks.next == Date(timeIntervalSince1970: 6_600))
    }

    @Test func aLimitLeavesTheRestForTheNextCall() {
        let start = Date(timeIntervalSince1970: 6_000)
        let ticks = ScheduleDueTicks(
            calendar: calendar, scheduleId: "s", from: start, now: start.addingTimeInterval(600), catchupWindow: .seconds(3600), limit: 4)
        #expect(ticks.due.count == 4 && ticks.missed == 0)
        #expect(ticks.next == Date(timeIntervalSince1970: 6_240))
    }

    @Test func aLongOutageOfAShortIntervalIsJumpedNotWalked() throws {
        let everySecond = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 1)))
        let start = Date(timeIntervalSince1970: 0)
        let now = Date(timeIntervalSince1970: 10 * 365 * 86_400)
        let ticks = ScheduleDueTicks(calendar: everySecond, scheduleId: "s", from: start, now: now, catchupWindow: .seconds(60), limit: 100)
        #expect(ticks.due.count == 60)
        #expect(ticks.due.first.map { now.timeIntervalSince($0) <= 60 } == true)
    }

    @Test func nothingIsDueBeforeItsActionTime() {
        let start = Date(timeIntervalSince1970: 6_000)
        let ticks = ScheduleDueTicks(
            calendar: calendar, scheduleId: "s", from: start, now: start.addingTimeInterval(-1), catchupWindow: .seconds(60), limit: 100)
        #expect(ticks.due.isEmpty && ticks.missed == 0 && ticks.next == start)
    }

    @Test func overlapPoliciesFollowTemporal() {
        for policy in ScheduleOverlapPolicy.allCases { #expect(policy.decision(running: false) == .start) }
        #expect(ScheduleOverlapPolicy.skip.decision(running: true) == .skip)
        #expect(ScheduleOverlapPolicy.bufferOne.decision(running: true) == .buffer(replacing: true))
        #expect(ScheduleOverlapPolicy.bufferAll.decision(running: true) == .buffer(replacing: false))
        #expect(ScheduleOverlapPolicy.cancelOther.decision(running: true) == .cancelAndBuffer)
        #expect(ScheduleOverlapPolicy.terminateOther.decision(running: true) == .terminateAndStart)
        #expect(ScheduleOverlapPolicy.allowAll.decision(running: true) == .start)
    }

    @Test func aTicksWorkflowIdIsTheScheduleIdAndTheTickInRFC3339() {
        #expect(ScheduleWorkflowAction.workflowId(scheduleId: "digest", nominal: Date(timeIntervalSince1970: 1_700_000_040.7))
            == "digest-2023-11-14T22:14:00Z")
        #expect("-2023-11-14T22:14:00Z".utf8.count == ScheduleWorkflowAction.workflowIdSuffixBytes)
    }

    /// A time as a timestamptz column gives it back: PostgresNIO truncates it to whole
    /// microseconds since 2000-01-01.
    static func throughPostgres(_ date: Date) -> Date {
        let epoch2000 = Date(timeIntervalSince1970: 946_684_800)
        let micros = Int64(date.timeIntervalSince(epoch2000) * 1_000_000)
        return Date(timeInterval: Double(micros) / 1_000_000, since: epoch2000)
    }

    /// Each tick's time goes through Postgres (whole microseconds) between rounds; the tick after
    /// one read back a hair early must be the next, not the same one again (it was, for fractional
    /// phases: two actions of one tick, the second refused as already started).
    @Test func theTickAfterATimeReadBackFromPostgresIsTheNextOne() throws {
        for phase in stride(from: 0.0, to: 1.0, by: 0.02) {
            let calendar = try ScheduleCalendar(ScheduleSpec(interval: .init(seconds: 1), phase: .init(seconds: phase)))
            var tick = calendar.tick(after: Date(timeIntervalSince1970: 1_765_094_400))
            var ids: Set<String> = []
            for _ in 0..<50 {
                let stored = Self.throughPostgres(try #require(tick))
                ids.insert(ScheduleWorkflowAction.workflowId(scheduleId: "s", nominal: stored))
                let ticks = ScheduleDueTicks(
                    calendar: calendar, scheduleId: "s", from: stored, now: stored.addingTimeInterval(0.5), catchupWindow: .seconds(60), limit: 10)
                #expect(ticks.due.count == 1, "phase \(phase): \(ticks.due.map(\.timeIntervalSince1970))")
                tick = ticks.next
            }
            #expect(ids.count == 50, "phase \(phase)")
        }
    }
}
