import Foundation
import Workflow

/// When a schedule acts, in the API's JSON form: `{"cron"?:[…], "interval"?:"30s", "jitter"?,
/// "timezone"?, "startAt"?, "endAt"?}`. The times are the union of every cron expression's and the
/// interval's; ``ScheduleCalendar`` compiles and checks it.
public struct ScheduleSpec: Sendable, Hashable, Codable {
    /// Cron expressions: five fields (minute hour day-of-month month day-of-week) or a name such as
    /// `@daily`, read on the clock of ``timezone``, as Temporal reads them (a day matches both day
    /// fields; a skipped clock time does not act, a repeated one acts twice). See docs/schedules.md.
    public var cron: [String]?
    /// Every `interval` from the Unix epoch (plus ``phase``), as seconds or `"30s"`, `"5m"`, `"2h"`, `"7d"`.
    public var interval: ScheduleDuration?
    /// The offset of the interval's ticks from the epoch.
    public var phase: ScheduleDuration?
    /// Each action waits a random time from zero to `jitter` after its tick, the same for a tick
    /// however often it is computed.
    public var jitter: ScheduleDuration?
    /// The IANA time zone the cron expressions are read in; UTC when absent.
    public var timezone: String?
    /// No action before this time.
    public var startAt: Date?
    /// No action after this time.
    public var endAt: Date?

    public init(
        cron: [String]? = nil, interval: ScheduleDuration? = nil, phase: ScheduleDuration? = nil, jitter: ScheduleDuration? = nil,
        timezone: String? = nil, startAt: Date? = nil, endAt: Date? = nil
    ) {
        self.cron = cron
        self.interval = interval
        self.phase = phase
        self.jitter = jitter
        self.timezone = timezone
        self.startAt = startAt
        self.endAt = endAt
    }
}

/// A duration in a schedule: seconds (`30`) or text (`"30s"`, `"5m"`, `"2h"`, `"7d"`), encoded
/// back as seconds. Its range is checked when the spec compiles.
public struct ScheduleDuration: Sendable, Hashable, Codable {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            self.seconds = seconds
            return
        }
        let text = try container.decode(String.self)
        guard let seconds = Duration.parseSeconds(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\"\(text.prefix(40))\" is not a duration; use seconds or a number with ms, s, m, h or d")
        }
        self.seconds = seconds
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}
