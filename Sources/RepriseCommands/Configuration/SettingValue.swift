import Foundation
import Workflow

/// How a configuration value is written as text: the form flags and environment variables take,
/// and the form `--print-config` shows. Each parser names the key in its error.
enum SettingValue {
    /// A whole number within `range`.
    static func int(_ text: String, key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError.invalidValue(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    static func bool(_ text: String, key: String) throws -> Bool {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError.invalidValue(key: key, value: text, expected: "true or false")
        }
    }

    /// A duration such as `500ms`, `30s`, `5m`, `1h` or `2d`, or a number of seconds
    /// (`Duration.parseSeconds`), within `range`.
    static func duration(_ text: String, key: String, in range: ClosedRange<Duration>) throws -> Duration {
        let expected = "a duration from \(render(range.lowerBound)) to \(render(range.upperBound)), such as 500ms, 30s, 5m or 1h"
        guard let seconds = Duration.parseSeconds(text.trimmingCharacters(in: .whitespaces).lowercased()), seconds >= 0 else {
            throw ConfigurationError.invalidValue(key: key, value: text, expected: expected)
        }
        // Compared as seconds first: a huge number must not reach Duration's own arithmetic, which traps.
        guard seconds >= range.lowerBound.seconds, seconds <= range.upperBound.seconds else {
            throw ConfigurationError.invalidValue(key: key, value: text, expected: expected)
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The units a size may carry; a bare number is bytes.
    private static let sizeUnits: [(suffix: String, bytes: Int64)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("kb", 1000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("b", 1),
    ]

    /// A size in bytes such as `2MiB`, `512KiB`, `10MB` or `1048576`, within `range`.
    static func size(_ text: String, key: String, in range: ClosedRange<Int64>) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = sizeUnits.first { trimmed.hasSuffix($0.suffix) && Int64(trimmed.dropLast($0.suffix.count).trimmingCharacters(in: .whitespaces)) != nil }
        let number = unit.map { Int64(trimmed.dropLast($0.suffix.count).trimmingCharacters(in: .whitespaces)) } ?? Int64(trimmed)
        let expected = "a size from \(render(bytes: range.lowerBound)) to \(render(bytes: range.upperBound)), such as 2MiB, 512KiB or 1048576"
        guard let number, number >= 0 else { throw ConfigurationError.invalidValue(key: key, value: text, expected: expected) }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit?.bytes ?? 1)
        guard !overflow, range.contains(bytes) else { throw ConfigurationError.invalidValue(key: key, value: text, expected: expected) }
        return bytes
    }

    /// A duration in the largest unit that shows it exactly: `2s`, `500ms`, `1h`.
    static func render(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (suffix, seconds) in Duration.textUnits.reversed() {
            let unit = Int64(seconds * 1000)
            if milliseconds != 0, milliseconds % unit == 0 { return "\(milliseconds / unit)\(suffix)" }
        }
        return "\(milliseconds)ms"
    }

    /// A size in the largest binary unit that shows it exactly: `2MiB`, `1000`.
    static func render(bytes: Int64) -> String {
        for (suffix, unit) in [("GiB", Int64(1 << 30)), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes != 0 && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)"
    }
}
