import ArgumentParser
import Foundation
import Workflow

/// How a command prints: `text` for people, `json` for scripts (the API's JSON), `jsonl` for
/// pipelines (one JSON object a line: each item of a list, each event of a history).
package enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl

    /// Whether the command prints JSON rather than text.
    var isJSON: Bool { self != .text }
}

/// When text output is coloured: `auto` on a terminal unless `NO_COLOR` is set, `always` and
/// `never` whatever the terminal and `NO_COLOR` (a flag wins over the environment, as no-color.org asks).
package enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// Whether to colour, given the environment and whether stdout is a terminal.
    func enabled(environment: [String: String] = ProcessInfo.processInfo.environment, isTerminal: Bool = Output.isTerminal) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto: return isTerminal && (environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}

/// Text output for people: aligned tables, and colour only on status words and headers.
package enum Output {
    static let isTerminal = isatty(STDOUT_FILENO) == 1

    /// Whether this command colours its text; ``ClientOptions/withClient(_:)`` sets it from `--color`.
    @TaskLocal static var useColor = ColorMode.auto.enabled()

    static func colored(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// A run's status word, coloured by what it means: green done, yellow open, red otherwise.
    static func status(_ text: String) -> String {
        switch text {
        case "Completed": return colored(text, "32")
        case "Running", "Paused", "ContinuedAsNew": return colored(text, "33")
        case "-": return text
        default: return colored(text, "31")
        }
    }

    /// Prints rows as columns: each padded to `widths` where given (so that rows printed later,
    /// a page at a time, line up with the first), else to the widest cell. The last column is
    /// never padded; `statusColumn`'s cells are coloured after padding, so colour never shifts a column.
    package static func table(_ header: [String], _ rows: [[String]], widths given: [Int]? = nil, statusColumn: Int? = nil, printHeader: Bool = true) {
        let all = printHeader ? [header] + rows : rows
        let widths = given ?? header.indices.map { column in ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        for (index, row) in all.enumerated() {
            let isHeader = printHeader && index == 0
            let line = row.enumerated().map { column, cell in
                let padded = column == row.count - 1 ? cell : cell.padding(toLength: max(widths[column], cell.count), withPad: " ", startingAt: 0)
                guard !isHeader, column == statusColumn else { return padded }
                return status(cell) + String(padded.dropFirst(cell.count))
            }.joined(separator: "  ")
            print(isHeader ? colored(line, "1") : line)
        }
    }

    /// Prints each element of a JSON array on its own line, for `-o jsonl`.
    static func jsonLines(_ items: JSONValue?) {
        for item in items?.arrayValue ?? [] { print(item.compactDescription) }
    }

    /// A JSON value as compact text, strings without quotes.
    static func plain(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "-"
        case .string(let text)?: return text
        case let value?: return value.compactDescription
        }
    }
}
