import Foundation

/// One checked cron expression: five fields, minute hour day-of-month month day-of-week, each a
/// set of values. Parsing follows Temporal's cron strings where they differ from Vixie cron:
/// a day matches when BOTH its day of the month and its day of the week match (Vixie matches
/// either when both are restricted), and `a/n` means from `a` to the field's end in steps of `n`.
struct CronExpression: Sendable, Hashable {
    /// Bit `n` is set when value `n` matches.
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Bit 0 is Sunday; a 7 in the expression is folded into 0.
    let daysOfWeek: UInt64

    /// The longest expression accepted; a real one is well under 100 characters.
    static let maximumLength = 200

    /// The names `@daily` and the like, as Temporal expands them.
    static let names: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`.
    ///
    /// - Throws: ``ScheduleSpecError`` naming `field` (`cron[1]`), with the position and the part
    ///   at fault: a wrong number of fields, a value out of range, a step of zero, a range that
    ///   ends before it starts, an unknown name, or days of the month that none of its months has.
    init(_ text: String, field: String) throws(ScheduleSpecError) {
        func refuse(_ message: String) -> ScheduleSpecError {
            ScheduleSpecError(field: field, message: message)
        }
        guard text.utf8.count <= Self.maximumLength else {
            throw refuse("a cron expression is at most \(Self.maximumLength) characters, got \(text.utf8.count)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw refuse("the cron expression is empty") }
        let expanded: Substring
        if trimmed.hasPrefix("@") {
            guard let fields = Self.names[trimmed.lowercased()] else {
                let known = Self.names.keys.sorted().joined(separator: ", ")
                throw refuse("\"\(trimmed)\" is not a cron name; use one of \(known), or \"interval\" for @every")
            }
            expanded = Substring(fields)
        } else {
            expanded = Substring(trimmed)
        }
        let parts = expanded.split(whereSeparator: \.isWhitespace)
        guard parts.count == 5 else {
            throw refuse("\"\(trimmed)\" has \(parts.count) fields; a cron expression has five: minute hour day-of-month month day-of-week")
        }
        var sets: [UInt64] = []
        for (index, kind) in CronField.allCases.enumerated() {
            do throws(CronField.Failure) {
                sets.append(try kind.parse(parts[index]))
            } catch {
                throw refuse("field \(index + 1) (\(kind.rawValue)) \"\(parts[index])\": \(error.message)")
            }
        }
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = (sets[4] | (sets[4] >> 7)) & 0x7f
        // A date that no month has (`31 2`) would make the search scan its whole horizon for nothing.
        let possible = (1...12).contains { month in
            months & (1 << month) != 0 && daysOfMonth & ((1 << (CivilTime.daysInMonth(year: 2000, month: month) + 1)) - 1) != 0
        }
        guard possible else {
            throw refuse("\"\(trimmed)\" never matches: none of its months has any of its days of the month")
        }
    }

    /// Whether the day `days` (a day number) matches the day-of-month, month and day-of-week fields.
    func matches(days: Int64, month: Int, day: Int) -> Bool {
        months & (1 << month) != 0 && daysOfMonth & (1 << day) != 0 && daysOfWeek & (1 << CivilTime.weekday(days: days)) != 0
    }
}
