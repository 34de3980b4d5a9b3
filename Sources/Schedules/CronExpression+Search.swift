extension CronExpression {
    /// The first clock reading, in wall seconds (see ``CivilTime``), at or after `start` and before
    /// `end` that the expression matches, or nil. It steps over whole months and days that do not
    /// match, so its cost grows with the months and days between `start` and `end`, not the minutes.
    func firstWallTime(from start: Int64, before end: Int64) -> Int64? {
        let firstMinute = start >= 0 ? (start + 59) / 60 : start / 60  // rounded up to a whole minute
        var days = Self.floorDivide(firstMinute, 1440)
        var minuteOfDay = Int(firstMinute - days * 1440)
        var (year, month, day) = CivilTime.date(days: days)
        while days * CivilTime.secondsPerDay < end {
            if months & (1 << month) == 0 || day > CivilTime.daysInMonth(year: year, month: month) {
                // Skip to the first day of the next month.
                days += Int64(CivilTime.daysInMonth(year: year, month: month) - day + 1)
                (year, month, day) = month == 12 ? (year + 1, 1, 1) : (year, month + 1, 1)
                minuteOfDay = 0
                continue
            }
            if matches(days: days, month: month, day: day), let minute = firstMinuteOfDay(from: minuteOfDay) {
                let wall = days * CivilTime.secondsPerDay + Int64(minute) * 60
                return wall < end ? wall : nil
            }
            days += 1
            day += 1
            minuteOfDay = 0
        }
        return nil
    }

    /// The first minute of a matching day, counted from midnight, at or after `start`.
    private func firstMinuteOfDay(from start: Int) -> Int? {
        var hour = start / 60
        var fromMinute = start % 60
        while hour < 24 {
            if hours & (1 << hour) != 0 {
                let later = minutes & ~((1 << UInt64(fromMinute)) - 1)
                if later != 0 { return hour * 60 + later.trailingZeroBitCount }
            }
            hour += 1
            fromMinute = 0
        }
        return nil
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
