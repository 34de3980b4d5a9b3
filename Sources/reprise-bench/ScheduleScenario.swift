import Foundation
import Schedules
import Store
import Workflow

extension EngineScenarios {
    /// Many schedules with 1 s intervals, fired by the schedule service: how late each tick's run
    /// starts after its action time (the start time its transaction records minus the tick's
    /// nominal time, as these specs have no jitter), and how late the run (one workflow task) closes.
    /// Twice: with their phases spread over the second (a steady load), and all aligned on the
    /// second (a burst: every tick due at once).
    func schedules(_ store: Store) async throws -> [[String: JSONValue]] {
        [try await schedules(store, aligned: false), try await schedules(store, aligned: true)]
    }

    private func schedules(_ store: Store, aligned: Bool) async throws -> [String: JSONValue] {
        let count = quick ? 50 : 500
        let seconds = quick ? 5.0 : 10.0
        let prefix = "bench-\(UUID().uuidString.prefix(6))"
        let ids = (0..<count).map { "\(prefix)-\($0)" }
        for (index, id) in ids.enumerated() {
            let phase = aligned ? 0 : Double(index) / Double(count)
            try await store.createSchedule(
                Schedule(
                    namespace: "default", scheduleId: id, spec: ScheduleSpec(interval: .init(seconds: 1), phase: .init(seconds: phase)),
                    action: ScheduleWorkflowAction(type: Steps.name, taskQueue: "bench", input: .int(0)), overlapPolicy: .allowAll,
                    at: Date()),
                at: Date())
        }
        try await Task.sleep(for: .seconds(seconds))
        for id in ids { try await store.setSchedulePaused(true, namespace: "default", scheduleId: id, note: nil, at: Date()) }
        var lateness: [Double] = []
        var closed: [Double] = []
        var missed: Int64 = 0
        for id in ids {
            let schedule = try await store.describeSchedule(namespace: "default", scheduleId: id).schedule
            lateness += schedule.recentActions.map { $0.actualTime.timeIntervalSince($0.scheduledTime) * 1000 }
            for action in schedule.recentActions {
                var run = try await store.describe(namespace: "default", workflowId: action.workflowId)
                while run.status.isOpen {
                    try await Task.sleep(for: .milliseconds(20))
                    run = try await store.describe(namespace: "default", workflowId: action.workflowId)
                }
                if let close = run.closeTime { closed.append(close.timeIntervalSince(action.scheduledTime) * 1000) }
            }
            missed += schedule.missedCatchupWindow + schedule.overlapSkipped
            try await store.deleteSchedule(namespace: "default", scheduleId: id)
        }
        lateness.sort()
        closed.sort()
        return [
            "scenario": .string(aligned ? "schedules_aligned" : "schedules"), "schedules": .int(Int64(count)), "interval_s": .double(1), "ticks_sampled": .int(Int64(lateness.count)),
            "lateness_p50_ms": .double(percentile(lateness, 50)), "lateness_p99_ms": .double(percentile(lateness, 99)),
            "lateness_max_ms": .double(lateness.last ?? 0), "closed_p50_ms": .double(percentile(closed, 50)),
            "closed_p99_ms": .double(percentile(closed, 99)), "ticks_skipped": .int(missed),
        ]
    }
}
