import Foundation
import Schedules
import Store
import Workflow

/// The schedule routes' bodies, with Temporal's field names.
extension API {
    struct CreateScheduleRequest: Decodable {
        var scheduleId: String
        var spec: ScheduleSpec
        var action: ScheduleWorkflowAction
        var overlapPolicy: ScheduleOverlapPolicy?
        var catchupWindow: DurationValue?
        var paused: Bool?
        var note: String?
    }

    struct CreateScheduleResponse: Encodable {
        var scheduleId: String
        /// That no live worker serves the action's type on its queue, say; empty when nothing.
        var warnings: [String]
    }

    struct NoteRequest: Decodable {
        var note: String?
    }

    struct BackfillRequest: Decodable {
        var startTime: Date
        var endTime: Date
        var overlapPolicy: ScheduleOverlapPolicy?
    }

    struct ScheduleState: Encodable {
        var paused: Bool
        var note: String
    }

    struct ScheduleInfo: Encodable {
        var nextActionTimes: [Date]
        var recentActions: [ScheduleRecentAction]
        /// Only in describe: it reads the runs.
        var runningWorkflows: [ScheduleRecentAction]?
        var bufferedActions: Int
        var actionCount: Int64
        var missedCatchupWindow: Int64
        var overlapSkipped: Int64
        var createTime: Date
        var updateTime: Date
    }

    struct ScheduleBody: Encodable {
        var scheduleId: String
        var spec: ScheduleSpec
        var action: ScheduleWorkflowAction
        var overlapPolicy: ScheduleOverlapPolicy
        /// In seconds.
        var catchupWindow: Double
        var state: ScheduleState
        var info: ScheduleInfo

        init(_ schedule: Schedule, nextActionTimes: [Date], runningWorkflows: [ScheduleRecentAction]?) {
            scheduleId = schedule.scheduleId
            spec = schedule.spec
            action = schedule.action
            overlapPolicy = schedule.overlapPolicy
            catchupWindow = schedule.catchupWindow.seconds
            state = ScheduleState(paused: schedule.paused, note: schedule.note)
            info = ScheduleInfo(
                nextActionTimes: nextActionTimes, recentActions: schedule.recentActions, runningWorkflows: runningWorkflows,
                bufferedActions: schedule.buffered.count, actionCount: schedule.actionCount, missedCatchupWindow: schedule.missedCatchupWindow,
                overlapSkipped: schedule.overlapSkipped, createTime: schedule.createdAt, updateTime: schedule.updatedAt)
        }
    }

    struct ScheduleListResponse: Encodable {
        var schedules: [ScheduleBody]
        var nextPageToken: String?
    }

    struct ScheduleActionResponse: Encodable {
        var started: [ScheduleRecentAction]
        var buffered: Int
        var skipped: Int

        init(_ result: ScheduleActionResult) {
            started = result.started
            buffered = result.buffered
            skipped = result.skipped
        }
    }
}
