import ArgumentParser
import Foundation
import Workflow

/// How a command prints: `text` for people, `json` for scripts.
package enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Text output for people: aligned tables, and colour only on a terminal.
package enum Output {
    static let isTerminal = isatty(STDOUT_FILENO) == 1

    static func colored(_ text: String, _ code: String) -> String {
        isTerminal ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Prints rows as columns padded to their widest cell.
    package static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        for (index, row) in all.enumerated() {
            let line = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
            print(index == 0 ? colored(line, "1") : line)
        }
    }

    /// A JSON value as compact text, strings without quotes.
    static func plain(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "-"
        case .string(let text)?: return text
        case let value?: return value.compactDescription
        }
    }

    /// One line summing up an event, for `workflow show`.
    static func summary(of event: JSONValue) -> String {
        let attributes = event["attributes"]
        func field(_ name: String) -> String? {
            guard let value = attributes?[name], value != .null else { return nil }
            return plain(value)
        }
        var parts: [String] = []
        switch plain(event["eventType"]) {
        case "WorkflowExecutionStarted":
            parts = ["type=\(field("workflowType") ?? "?")", "taskQueue=\(field("taskQueue") ?? "?")"]
            if let previous = field("continuedExecutionRunId") { parts.append("continuedFrom=\(previous)") }
        case "WorkflowExecutionContinuedAsNew":
            parts = ["newRun=\(field("newExecutionRunId") ?? "?")"]
        case "ActivityTaskScheduled":
            parts = ["activity=\(field("activityType") ?? "?")", "id=\(field("activityId") ?? "?")"]
        case "ActivityTaskStarted":
            parts = ["attempt=\(field("attempt") ?? "?")"]
        case "TimerStarted":
            parts = ["timer=\(field("timerId") ?? "?")", "duration=\(field("startToFireTimeout") ?? "?")s"]
        case "TimerFired", "TimerCanceled":
            parts = ["timer=\(field("timerId") ?? "?")"]
        case "WorkflowExecutionSignaled":
            parts = ["signal=\(field("signalName") ?? "?")"]
        case "ActivityTaskDeadLettered":
            parts = ["attempt=\(field("attempt") ?? "?")", "deadLetter=\(field("deadLetterId") ?? "?")"]
        case let type where type.contains("ChildWorkflowExecution") || type.contains("ExternalWorkflowExecution"):
            // A child's events, and the requests sent to one: which child, and what.
            parts = ["child=\(field("workflowId") ?? "?")"]
            for name in ["workflowType", "signalName", "cause"] { if let value = field(name) { parts.append("\(name)=\(value)") } }
        default:
            break
        }
        if let failure = attributes?["failure"], failure != .null {
            parts.append("failure=\"\(plain(failure["type"])): \(plain(failure["message"]))\"")
        }
        if let result = attributes?["result"], result != .null { parts.append("result=\(result.compactDescription)") }
        return parts.joined(separator: " ")
    }

    /// Prints events as the `show` table rows.
    static func events(_ events: [JSONValue], header: Bool) {
        let rows = events.map { event in
            [plain(event["eventId"]), plain(event["eventTime"]), plain(event["eventType"]), summary(of: event)]
        }
        if header {
            table(["ID", "TIME", "TYPE", "SUMMARY"], rows)
        } else {
            for row in rows { print(row.joined(separator: "  ")) }
        }
    }
}
