import Foundation
import Hummingbird
import Schedules
import Store
import Workflow

extension APIServer {
    /// The most cron expressions a spec may hold, and the longest note.
    static let maxCronExpressions = 50
    static let maxNoteBytes = 1000

    func addScheduleRoutes(to router: Router<BasicRequestContext>) {
        let schedules = router.group("/api/v1/namespaces/:namespace/schedules")

        schedules.post { request, context in
            var request = request
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .writer)
            let body = try await JSONBody.decode(API.CreateScheduleRequest.self, from: &request, limit: configuration.maxBodySize)
            let schedule = try checkedSchedule(body, namespace: namespace, at: clock.now)
            try await database { [store, clock] in try await store.createSchedule(schedule, at: clock.now) }
            let warnings = liveWorkers.warnings(
                namespace: namespace, taskQueue: schedule.action.taskQueue ?? configuration.defaultTaskQueue, workflowType: schedule.action.type)
            return try JSONBody.response(API.CreateScheduleResponse(scheduleId: schedule.scheduleId, warnings: warnings), status: .created)
        }

        schedules.get { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let query = request.uri.queryParameters
            let limit = try Self.limit(query["limit"].map(String.init))
            let after = query["pageToken"].map(String.init)
            if let after { try configuration.limits.checkIdentifier(after, field: "pageToken") }
            let page = try await database { [store] in try await store.listSchedules(namespace: namespace, after: after, limit: limit) }
            return try JSONBody.response(
                API.ScheduleListResponse(
                    schedules: page.map { API.ScheduleBody($0, nextActionTimes: $0.nextActionTimes(), runningWorkflows: nil) },
                    nextPageToken: page.count == limit ? page.last?.scheduleId : nil))
        }

        schedules.get(":scheduleId") { request, context in
            let (namespace, scheduleId) = try scheduleParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let description = try await database { [store] in try await store.describeSchedule(namespace: namespace, scheduleId: scheduleId) }
            return try JSONBody.response(
                API.ScheduleBody(description.schedule, nextActionTimes: description.nextActionTimes, runningWorkflows: description.runningWorkflows))
        }

        for (route, paused) in [("pause", true), ("unpause", false)] {
            schedules.post(":scheduleId/\(route)") { request, context in
                var request = request
                let (namespace, scheduleId) = try scheduleParameters(context)
                try await authorize(request, namespace: namespace, needs: .operator)
                let body = try await JSONBody.decode(API.NoteRequest.self, from: &request, limit: configuration.maxBodySize, allowEmpty: true)
                if let note = body.note { try Self.checkNote(note) }
                try await database { [store, clock] in
                    try await store.setSchedulePaused(paused, namespace: namespace, scheduleId: scheduleId, note: body.note, at: clock.now)
                }
                return try JSONBody.response(API.Accepted())
            }
        }

        schedules.post(":scheduleId/trigger") { request, context in
            let (namespace, scheduleId) = try scheduleParameters(context)
            try await authorize(request, namespace: namespace, needs: .operator)
            let result = try await database { [store, clock] in
                try await store.triggerSchedule(namespace: namespace, scheduleId: scheduleId, at: clock.now)
            }
            return try JSONBody.response(API.ScheduleActionResponse(result))
        }

        schedules.post(":scheduleId/backfill") { request, context in
            var request = request
            let (namespace, scheduleId) = try scheduleParameters(context)
            try await authorize(request, namespace: namespace, needs: .operator)
            let body = try await JSONBody.decode(API.BackfillRequest.self, from: &request, limit: configuration.maxBodySize)
            let result = try await database { [store, clock] in
                try await store.backfillSchedule(
                    namespace: namespace, scheduleId: scheduleId, startTime: body.startTime, endTime: body.endTime, overlapPolicy: body.overlapPolicy,
                    at: clock.now)
            }
            return try JSONBody.response(API.ScheduleActionResponse(result))
        }

        schedules.delete(":scheduleId") { request, context in
            let (namespace, scheduleId) = try scheduleParameters(context)
            try await authorize(request, namespace: namespace, needs: .operator)
            try await database { [store] in try await store.deleteSchedule(namespace: namespace, scheduleId: scheduleId) }
            return try JSONBody.response(API.Accepted())
        }
    }

    /// The namespace and schedule id of a per-schedule route; the namespace is checked by ``authorize``.
    func scheduleParameters(_ context: BasicRequestContext) throws -> (String, String) {
        let scheduleId = try Self.pathParameter("scheduleId", in: context)
        try checkScheduleId(scheduleId)
        return (try Self.pathParameter("namespace", in: context), scheduleId)
    }

    /// A schedule id is an identifier short enough that its runs' workflow ids (the id plus the
    /// tick's time) are identifiers too.
    func checkScheduleId(_ scheduleId: String) throws {
        let limits = configuration.limits
        try limits.checkIdentifier(scheduleId, field: "scheduleId")
        let longest = limits.maxIdentifierBytes - ScheduleWorkflowAction.workflowIdSuffixBytes
        guard scheduleId.utf8.count <= longest else {
            throw APIError.badRequest("scheduleId is \(scheduleId.utf8.count) bytes long; the limit is \(longest), leaving room for the tick's time")
        }
    }

    static func checkNote(_ note: String) throws {
        guard note.utf8.count <= maxNoteBytes, !note.utf8.contains(0) else {
            throw APIError.badRequest("note must be at most \(maxNoteBytes) bytes of text without U+0000")
        }
    }

    /// A create request checked against the limits; the spec is compiled by the store
    /// (``ScheduleSpecError`` answers 400 naming the field).
    func checkedSchedule(_ body: API.CreateScheduleRequest, namespace: String, at now: Date) throws -> Schedule {
        let limits = configuration.limits
        try checkScheduleId(body.scheduleId)
        let taskQueue = body.action.taskQueue ?? configuration.defaultTaskQueue
        try limits.checkIdentifier(body.action.type, field: "action.type")
        try limits.checkIdentifier(taskQueue, field: "action.taskQueue")
        try limits.checkPayload(body.action.input, field: "action.input")
        let cron = body.spec.cron ?? []
        guard cron.count <= Self.maxCronExpressions else {
            throw APIError.badRequest("spec.cron holds \(cron.count) expressions; the limit is \(Self.maxCronExpressions)")
        }
        for (index, expression) in cron.enumerated() { try limits.checkIdentifier(expression, field: "spec.cron[\(index)]") }
        if let timezone = body.spec.timezone { try limits.checkIdentifier(timezone, field: "spec.timezone") }
        if let note = body.note { try Self.checkNote(note) }
        var action = body.action
        action.taskQueue = taskQueue
        return Schedule(
            namespace: namespace, scheduleId: body.scheduleId, spec: body.spec, action: action, overlapPolicy: body.overlapPolicy ?? .skip,
            catchupWindow: try body.catchupWindow.map { try limits.checkDuration(seconds: $0.seconds, field: "catchupWindow") }
                ?? Schedule.defaultCatchupWindow,
            paused: body.paused ?? false, note: body.note ?? "", at: now)
    }
}
