import Foundation

extension ScheduleCalendar {
    /// The latest time the calendar computes a cron tick for, about the year 5000: far past any
    /// real schedule, and small enough that its seconds fit every integer the search uses.
    static let latestCronTime: TimeInterval = 1e11

    /// The first instant strictly after `time` whose clock reading in ``timeZone`` a cron
    /// expression matches, or nil when there is none within ``horizon``.
    ///
    /// Between two of the zone's offset changes, the clock is the instant plus one offset, so the
    /// search runs over those stretches one at a time and matches clock readings in each. A
    /// reading skipped by a change falls in no stretch and never acts; a reading repeated by one
    /// falls in two and acts in both, which is Temporal's rule.
    func nextCronTime(after time: Date) -> Date? {
        guard !crons.isEmpty else { return nil }
        let after = time.timeIntervalSince1970
        guard after.magnitude < Self.latestCronTime else { return nil }
        let horizon = min(after + Self.horizon, Self.latestCronTime)
        var stretchStart = after
        var isFirstStretch = true
        while stretchStart < horizon {
            let start = Date(timeIntervalSince1970: stretchStart)
            let offset = Double(timeZone.secondsFromGMT(for: start))
            let change = timeZone.nextDaylightSavingTimeTransition(after: start)?.timeIntervalSince1970
            let stretchEnd = min(change.map { max($0, stretchStart + 1) } ?? horizon, horizon)
            // The first stretch starts just after `time`, which never acts; later ones start at a
            // change, which may.
            let earliestWall = isFirstStretch ? ((after + offset) / 60).rounded(.down) * 60 + 60 : (stretchStart + offset).rounded(.up)
            let wallEnd = Int64((stretchEnd + offset).rounded(.up))
            let walls = crons.compactMap { $0.firstWallTime(from: Int64(earliestWall), before: wallEnd) }
            if let wall = walls.min() {
                return Date(timeIntervalSince1970: Double(wall) - offset)
            }
            stretchStart = stretchEnd
            isFirstStretch = false
        }
        return nil
    }
}
