/// One of a cron expression's five fields: the values it takes and how a part of it is written.
enum CronField: String, CaseIterable, Sendable {
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"

    /// Why a field did not parse; ``CronExpression`` adds the field and the expression.
    struct Failure: Error {
        var message: String
    }

    /// The values the field takes; day-of-week takes 7 as well as 0 for Sunday.
    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Full names; any prefix of at least ``minimumNameLength`` letters names the value, as in
    /// Temporal (`jan`, `janu`, `january`; `mo`, `mon`, `monday`), in any case.
    private var names: [String] {
        switch self {
        case .month:
            ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
        case .dayOfWeek: ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
        default: []
        }
    }

    private var minimumNameLength: Int { self == .month ? 3 : 2 }

    /// The set of values `text` names, bit `n` for value `n`: a comma-separated list of `*`,
    /// `v`, `v-w`, each optionally with a step `/n`; `v/n` runs from `v` to the field's end.
    func parse(_ text: Substring) throws(Failure) -> UInt64 {
        var set: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            set |= try parsePart(part)
        }
        return set
    }

    private func parsePart(_ part: Substring) throws(Failure) -> UInt64 {
        guard !part.isEmpty else { throw Failure(message: "a list has an empty item") }
        let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw Failure(message: "\"\(part)\" has more than one step") }
        let width = range.count
        var step = 1
        if pieces.count == 2 {
            guard let value = Self.number(pieces[1]), value >= 1, value <= width else {
                throw Failure(message: "the step in \"\(part)\" must be a number from 1 to \(width)")
            }
            step = value
        }
        let span = pieces[0]
        var bounds: ClosedRange<Int>
        if span == "*" {
            bounds = range
        } else {
            let ends = span.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2 else { throw Failure(message: "\"\(span)\" has more than one \"-\"") }
            let start = try value(ends[0])
            let end = try ends.count == 2 ? value(ends[1]) : (pieces.count == 2 ? range.upperBound : start)
            guard start <= end else {
                throw Failure(message: "the range \"\(span)\" ends before it starts")
            }
            bounds = start...end
        }
        var set: UInt64 = 0
        for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
            set |= 1 << UInt64(value)
        }
        return set
    }

    /// A number in the field's range, or a name.
    private func value(_ text: Substring) throws(Failure) -> Int {
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let number = Self.number(text), range.contains(number) else {
                throw Failure(message: "\(text) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        let lowered = text.lowercased()
        if lowered.count >= minimumNameLength, let index = names.firstIndex(where: { $0.hasPrefix(lowered) }) {
            return self == .month ? index + 1 : index
        }
        let hint = names.isEmpty ? "" : " or a name such as \(names[0].prefix(3).uppercased())"
        throw Failure(message: "\"\(text)\" is not a number\(hint)")
    }

    /// A plain decimal number of at most 4 digits (no sign, no spaces), or nil.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
