import Foundation
import PostgresNIO
import Workflow

/// `calendar.book`: books the first free half-hour, on a weekday between 09:00 and 17:00 UTC, at
/// least a day after `after`, into the `calendar_bookings` table. A retried attempt returns the
/// slot it booked the first time.
public struct BookMeeting: Activity {
    public static let name = "calendar.book"

    public struct Input: Codable, Sendable {
        /// Whose calendar: the sales rep or team.
        public var calendar: String
        public var attendee: String
        public var title: String
        /// The earliest time to consider (the slot starts at least a day later).
        public var after: Date

        public init(calendar: String, attendee: String, title: String, after: Date) {
            self.calendar = calendar
            self.attendee = attendee
            self.title = title
            self.after = after
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var bookingId: Int64
        public var startsAt: Date
        public var endsAt: Date
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Output {
        let key = try SampleSupport.idempotencyKey()
        let namespace = try SampleSupport.namespace()
        if let booked = try await existing(key: key, namespace: namespace) { return booked }
        var candidate = Self.firstSlot(onOrAfter: input.after.addingTimeInterval(86_400))
        // Slots taken meanwhile are skipped: the unique (namespace, calendar, starts_at) decides who
        // gets one. Another namespace's calendar of the same name is another calendar.
        for _ in 0..<2_000 {
            let ends = candidate.addingTimeInterval(1_800)
            try await database.query(
                """
                INSERT INTO reprise_samples.calendar_bookings (namespace, idempotency_key, calendar, starts_at, ends_at, attendee, title)
                VALUES (\(namespace), \(key), \(input.calendar), \(candidate), \(ends), \(input.attendee), \(input.title))
                ON CONFLICT DO NOTHING
                """, logger: SampleSupport.queryLogger
            ).drain()
            if let booked = try await existing(key: key, namespace: namespace) { return booked }
            candidate = Self.firstSlot(onOrAfter: candidate.addingTimeInterval(1_800))
        }
        throw ApplicationFailure("no free slot in calendar \(input.calendar) within the next weeks", type: "CalendarFull", nonRetryable: true)
    }

    private func existing(key: String, namespace: String) async throws -> Output? {
        var found: Output?
        for try await (id, starts, ends) in try await database.query(
            "SELECT id, starts_at, ends_at FROM reprise_samples.calendar_bookings WHERE namespace = \(namespace) AND idempotency_key = \(key)",
            logger: SampleSupport.queryLogger
        ).decode((Int64, Date, Date).self) { found = Output(bookingId: id, startsAt: starts, endsAt: ends) }
        return found
    }

    /// The first half-hour boundary at or after `date` that falls on a weekday, 09:00–16:30 UTC.
    static func firstSlot(onOrAfter date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var slot = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 1_800).rounded(.up) * 1_800)
        while true {
            let parts = calendar.dateComponents([.weekday, .hour], from: slot)
            let weekday = parts.weekday ?? 2
            let hour = parts.hour ?? 9
            if (2...6).contains(weekday) && (9..<17).contains(hour) { return slot }
            slot = slot.addingTimeInterval(1_800)
        }
    }
}
