import Foundation
import Workflow

/// The history table of `workflow show` and `workflow execute`.
///
/// It streams: the long-poll prints a few events at a time, so its columns cannot be as wide as
/// their widest cell. They have fixed widths instead, each the widest its cells can be: the id
/// up to a million events, the time as ISO 8601 with milliseconds, the type the longest event type
/// name. Only the last column, the summary, is free.
extension Output {
    static let eventColumns = ["ID", "TIME", "TYPE", "SUMMARY"]
    static let eventWidths = [6, "2026-01-01T00:00:00.000Z".count, EventType.allCases.map(\.rawValue.count).max() ?? 0, 0]

    /// Prints events as the history table's rows, with its header first when `header` is set.
    static func events(_ events: [JSONValue], header: Bool) {
        let rows = events.map { event in
            [plain(event["eventId"]), plain(event["eventTime"]), plain(event["eventType"]), summary(of: event)]
        }
        table(eventColumns, rows, widths: eventWidths, printHeader: header)
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
}
