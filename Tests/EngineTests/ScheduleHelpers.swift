import Foundation
import RepriseTesting
import Schedules
import Store
import Testing
import Workflow

/// Schedules on the test environment's virtual clock, which the tests move by hand.
extension TestEnvironment {
    /// Creates a schedule that starts `W` with `input` every `interval` seconds.
    func createSchedule<W: Workflow>(
        _ id: String, _ type: W.Type, input: W.Input, interval: Double = 60, overlapPolicy: ScheduleOverlapPolicy = .skip,
        catchupWindow: Duration = Schedule.defaultCatchupWindow, jitter: Double? = nil
    ) async throws {
        try await store.createSchedule(
            Schedule(
                namespace: namespace, scheduleId: id,
                spec: ScheduleSpec(interval: ScheduleDuration(seconds: interval), jitter: jitter.map { ScheduleDuration(seconds: $0) }),
                action: ScheduleWorkflowAction(type: W.name, taskQueue: taskQueue, input: try Payload(encoding: input)), overlapPolicy: overlapPolicy,
                catchupWindow: catchupWindow, at: clock.now),
            at: clock.now)
    }

    func schedule(_ id: String) async throws -> ScheduleDescription {
        try await store.describeSchedule(namespace: namespace, scheduleId: id)
    }

    /// Moves the clock just past the schedule's next action and waits until the service has acted
    /// on it (its next action time moved on); returns the tick's nominal time.
    @discardableResult
    func tick(_ id: String) async throws -> Date {
        let before = try await schedule(id).schedule
        let nominal = try #require(before.nextNominalTime)
        clock.advance(to: try #require(before.nextActionTime).addingTimeInterval(0.001))
        try await waitUntil("schedule \(id) acts on its tick at \(nominal)") {
            try await schedule(id).schedule.nextNominalTime.map { $0 > nominal } ?? false
        }
        return nominal
    }

    /// The runs of schedule `id`, by tick (their ids end in the tick's time, which sorts as text).
    func runs(of id: String) async throws -> [WorkflowExecutionSummary] {
        try await store.listWorkflows(namespace: namespace, limit: 1000).workflows.filter { $0.workflowId.hasPrefix(id + "-") }
            .sorted { $0.workflowId < $1.workflowId }
    }
}
