import Foundation
import Workflow

/// A checked ``ScheduleSpec``: the nominal times it acts at, and when each action starts once
/// jitter is added. Pure and deterministic, so every server computes the same ticks.
///
/// The times are the union of every cron expression's and the interval's, from `startAt` to
/// `endAt`. Cron fields are read on the clock of ``ScheduleSpec/timezone`` and follow Temporal
/// across daylight-saving changes:
/// - a clock reading that does not exist (the hour skipped when clocks go forward) does not act:
///   `30 2 * * *` in America/New_York skips the day clocks jump from 2:00 to 3:00;
/// - a clock reading that happens twice (the hour repeated when clocks go back) acts twice:
///   `30 1 * * *` acts at 1:30 EDT and again at 1:30 EST.
///
/// ## Usage
/// ```swift
/// let calendar = try ScheduleCalendar(ScheduleSpec(cron: ["0 9 * * MON-FRI"], timezone: "Europe/Berlin"))
/// let next = calendar.nextTime(after: .now)
/// ```
public struct ScheduleCalendar: Sendable {
    /// The spec it was compiled from.
    public let spec: ScheduleSpec
    let crons: [CronExpression]
    let interval: Duration?
    let phase: Duration
    let jitter: Duration
    let timeZone: TimeZone

    /// The most cron expressions a spec takes.
    public static let maximumCronExpressions = 20

    /// How far ahead ``nextTime(after:)`` looks for a cron tick: 100 years, the longest duration
    /// Reprise accepts. Every expression that can match at all matches well within it.
    static let horizon: TimeInterval = Duration.maximumAccepted.seconds

    /// Checks `spec`.
    ///
    /// - Throws: ``ScheduleSpecError`` naming the field: no cron and no interval, a cron expression
    ///   that does not parse or never matches (`cron[1]`), an unknown time zone, a duration out of
    ///   range, `endAt` before `startAt`.
    public init(_ spec: ScheduleSpec) throws {
        self.spec = spec
        let cron = spec.cron ?? []
        guard !cron.isEmpty || spec.interval != nil else {
            throw ScheduleSpecError(field: "spec", message: "a schedule needs a cron expression or an interval")
        }
        guard cron.count <= Self.maximumCronExpressions else {
            throw ScheduleSpecError(
                field: "cron", message: "a schedule takes at most \(Self.maximumCronExpressions) cron expressions, got \(cron.count)")
        }
        crons = try cron.enumerated().map { index, text throws(ScheduleSpecError) in try CronExpression(text, field: "cron[\(index)]") }
        interval = try spec.interval.map { try Self.checked($0, field: "interval", positive: true) }
        phase = try spec.phase.map { try Self.checked($0, field: "phase", positive: false) } ?? .zero
        jitter = try spec.jitter.map { try Self.checked($0, field: "jitter", positive: false) } ?? .zero
        guard let zone = TimeZone(identifier: spec.timezone ?? "UTC") else {
            throw ScheduleSpecError(
                field: "timezone", message: "\"\(spec.timezone?.prefix(60) ?? "")\" is not an IANA time zone such as Europe/Berlin")
        }
        timeZone = zone
        if let startAt = spec.startAt, let endAt = spec.endAt, endAt < startAt {
            throw ScheduleSpecError(field: "endAt", message: "endAt is before startAt")
        }
    }

    /// The first nominal time strictly after `time` at which the schedule acts, or nil when there
    /// is none (past `endAt`, or no cron tick in the next 100 years).
    public func nextTime(after time: Date) -> Date? {
        // Before startAt, search from a second before it, as Temporal does, so that a tick at
        // startAt acts (a nudge of microseconds would vanish in a Double's rounding at far-off
        // dates), then pass the ticks in that second: at most one of the interval and one of cron.
        let from = spec.startAt.map { time < $0 ? $0.addingTimeInterval(-1) : time } ?? time
        var next = earliestTime(after: from)
        for _ in 0..<2 {
            guard let early = next, let startAt = spec.startAt, early < startAt else { break }
            next = earliestTime(after: early)
        }
        guard let next, next >= spec.startAt ?? next else { return nil }
        if let endAt = spec.endAt, next > endAt { return nil }
        return next
    }

    /// The earliest tick of the interval and the cron expressions strictly after `time`.
    private func earliestTime(after time: Date) -> Date? {
        [nextIntervalTime(after: time), nextCronTime(after: time)].compactMap { $0 }.min()
    }

    /// When the action of the tick at `nominal` starts: `nominal` plus a jitter from zero up to the
    /// spec's, derived from the schedule id and the tick so it is the same on every server. As in
    /// Temporal, the jitter never reaches the next tick.
    public func actualTime(of nominal: Date, scheduleId: String) -> Date {
        guard jitter > .zero else { return nominal }
        var bound = jitter.seconds
        if let following = nextTime(after: nominal) { bound = min(bound, following.timeIntervalSince(nominal)) }
        return nominal.addingTimeInterval(bound * Self.fraction(scheduleId: scheduleId, nominal: nominal))
    }

    /// A fraction in [0, 1), spread evenly over ticks and schedules, from a hash that is stable
    /// across processes, unlike `Hasher`: FNV-1a over the id and the tick.
    private static func fraction(scheduleId: String, nominal: Date) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(scheduleId)@\(nominal.timeIntervalSince1970)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Double(hash % 1_000_000) / 1_000_000
    }

    private func nextIntervalTime(after time: Date) -> Date? {
        guard let interval else { return nil }
        let step = interval.seconds
        let offset = phase.seconds
        // The next multiple of the interval from the epoch, shifted by the phase, past `time`.
        let index = ((time.timeIntervalSince1970 - offset) / step).rounded(.down) + 1
        return Date(timeIntervalSince1970: index * step + offset)
    }

    private static func checked(_ value: ScheduleDuration, field: String, positive: Bool) throws -> Duration {
        let duration: Duration
        do {
            duration = try Duration.seconds(checked: value.seconds, field: field)
        } catch {
            throw ScheduleSpecError(field: field, message: (error as? InvalidArgumentFailure)?.message ?? "\(error)")
        }
        guard !positive || duration >= .seconds(1) else {
            throw ScheduleSpecError(field: field, message: "\(field) must be at least 1 second, got \(value.seconds)")
        }
        return duration
    }
}
