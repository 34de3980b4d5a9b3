import Foundation
import Schedules

/// Test helpers: instants written as ISO 8601 text, and the ticks a spec computes.
enum Ticks {
    /// The instant of `text`, such as `2024-02-28T23:59:00Z` or `2021-11-07T01:30:00-04:00`.
    static func instant(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("not an instant: \(text)") }
        return date
    }

    /// `instant` as `2024-02-29T00:00:00Z`.
    static func text(_ instant: Date) -> String {
        ISO8601DateFormatter().string(from: instant)
    }

    /// The first `count` ticks of the cron expressions after `start`, in UTC text.
    static func cron(_ cron: String..., timezone: String? = nil, after start: String, count: Int) throws -> [String] {
        try of(ScheduleSpec(cron: cron, timezone: timezone), after: start, count: count)
    }

    /// The first `count` ticks of `spec` after `start`, in UTC text; shorter when the ticks end.
    static func of(_ spec: ScheduleSpec, after start: String, count: Int) throws -> [String] {
        let calendar = try ScheduleCalendar(spec)
        var time = instant(start)
        var ticks: [String] = []
        while ticks.count < count, let next = calendar.nextTime(after: time) {
            ticks.append(text(next))
            time = next
        }
        return ticks
    }

    /// The field of the ``ScheduleSpecError`` that compiling `spec` throws, and its message.
    static func refusal(_ spec: ScheduleSpec) -> ScheduleSpecError? {
        do {
            _ = try ScheduleCalendar(spec)
            return nil
        } catch {
            return error as? ScheduleSpecError
        }
    }
}
