import Foundation
import Workflow

/// A checked ``ScheduleSpec``: the nominal times it acts at, and when each action starts once
/// jitter is added. Pure and deterministic, so every server computes the same ticks.
public struct ScheduleCalendar: Sendable {
    /// The spec it was compiled from.
    public let spec: ScheduleSpec
    let interval: Duration?
    let phase: Duration
    let jitter: Duration
    let timeZone: TimeZone

    /// Checks `spec`.
    ///
    /// - Throws: ``ScheduleSpecError`` naming the field: no cron and no interval, a cron expression
    ///   that does not parse, an unknown time zone, a duration out of range, `endAt` before `startAt`.
    public init(_ spec: ScheduleSpec) throws {
        self.spec = spec
        guard !(spec.cron ?? []).isEmpty || spec.interval != nil else {
            throw ScheduleSpecError(field: "spec", message: "a schedule needs a cron expression or an interval")
        }
        interval = try spec.interval.map { try Self.checked($0, field: "interval", positive: true) }
        phase = try spec.phase.map { try Self.checked($0, field: "phase", positive: false) } ?? .zero
        jitter = try spec.jitter.map { try Self.checked($0, field: "jitter", positive: false) } ?? .zero
        guard let zone = TimeZone(identifier: spec.timezone ?? "UTC") else {
            throw ScheduleSpecError(field: "timezone", message: "\"\(spec.timezone ?? "")\" is not an IANA time zone such as Europe/Berlin")
        }
        timeZone = zone
        if !(spec.cron ?? []).isEmpty {
            throw ScheduleSpecError(field: "cron", message: "cron expressions are not supported yet")
        }
        if let startAt = spec.startAt, let endAt = spec.endAt, endAt < startAt {
            throw ScheduleSpecError(field: "endAt", message: "endAt is before startAt")
        }
    }

    /// The first nominal time strictly after `time` at which the schedule acts, or nil when there
    /// is none (past `endAt`).
    public func nextTime(after time: Date) -> Date? {
        var time = time
        if let startAt = spec.startAt, time < startAt { time = startAt.addingTimeInterval(-0.000_001) }
        guard let interval else { return nil }
        let step = interval.seconds
        let offset = phase.seconds
        // The next multiple of the interval from the epoch, shifted by the phase, past `time`.
        let index = ((time.timeIntervalSince1970 - offset) / step).rounded(.down) + 1
        let next = Date(timeIntervalSince1970: index * step + offset)
        if let endAt = spec.endAt, next > endAt { return nil }
        return next
    }

    /// When the action of the tick at `nominal` starts: `nominal` plus a jitter from zero to the
    /// spec's, derived from the schedule id and the tick so it is the same on every server.
    public func actualTime(of nominal: Date, scheduleId: String) -> Date {
        guard jitter > .zero else { return nominal }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across processes, unlike Hasher.
        for byte in "\(scheduleId)@\(nominal.timeIntervalSince1970)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let fraction = Double(hash % 1_000_000) / 1_000_000
        return nominal.addingTimeInterval(jitter.seconds * fraction)
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
