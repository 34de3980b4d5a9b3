import Foundation
import Workflow

/// What a schedule starts at each tick, in the API's JSON form: `{"type", "taskQueue"?, "input"?}`.
public struct ScheduleWorkflowAction: Sendable, Hashable, Codable {
    /// The workflow type.
    public var type: String
    /// The task queue; the server's default when absent.
    public var taskQueue: String?
    /// The workflow's input, the same for every tick.
    public var input: Payload?

    public init(type: String, taskQueue: String? = nil, input: Payload? = nil) {
        self.type = type
        self.taskQueue = taskQueue
        self.input = input
    }
}

/// One action a schedule took: the tick, when its run started, and the run.
public struct ScheduleRecentAction: Sendable, Hashable, Codable {
    /// The tick's nominal time.
    public var scheduledTime: Date
    /// When the run was started.
    public var actualTime: Date
    public var workflowId: String
    public var runId: UUID

    public init(scheduledTime: Date, actualTime: Date, workflowId: String, runId: UUID) {
        self.scheduledTime = scheduledTime
        self.actualTime = actualTime
        self.workflowId = workflowId
        self.runId = runId
    }
}

extension ScheduleWorkflowAction {
    /// The workflow id of the tick at `nominal`: `{scheduleId}-{nominal in RFC 3339, UTC, to the
    /// second}`. Unique per tick (an interval is at least a second), so a tick started twice is
    /// refused by the start's id check, even by two servers.
    public static func workflowId(scheduleId: String, nominal: Date) -> String {
        // Floored here, so the id names the tick's second whatever the formatter does with a fraction.
        let second = Date(timeIntervalSince1970: nominal.timeIntervalSince1970.rounded(.down))
        return "\(scheduleId)-\(second.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)))"
    }

    /// The bytes ``workflowId(scheduleId:nominal:)`` adds to the schedule id (`-2026-01-01T00:00:00Z`).
    public static let workflowIdSuffixBytes = 21
}
