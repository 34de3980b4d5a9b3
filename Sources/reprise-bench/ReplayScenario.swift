import Foundation
import Logging
import Workflow

/// Runs `count` no-op activities one after another: the replay scenario's workflow.
struct SequentialActivities: Workflow {
    struct Step: Activity {
        func run(input: Int) async throws -> Int { input }
    }

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        var total = 0
        for index in 0..<input {
            total += try await context.execute(Step.self, index, options: ActivityOptions(startToCloseTimeout: .seconds(10)))
        }
        return total
    }
}

/// Runs `count` no-op activities at once and sums their results: the fan-out replay's workflow.
struct FanOutActivities: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<input {
                group.addTask {
                    try await context.execute(SequentialActivities.Step.self, index, options: ActivityOptions(startToCloseTimeout: .seconds(10)))
                }
            }
            return try await group.reduce(0, +)
        }
    }
}

/// Replays a history of `activities` activities in-process, several times, and reports the best
/// and median wall time of one full replay: run one after another (`replay`), or all at once
/// (`replay_fanout`).
struct ReplayScenario {
    var activities: Int
    var repetitions: Int
    var fanOut = false

    func run() throws -> [String: JSONValue] {
        let workflow: any Workflow.Type = fanOut ? FanOutActivities.self : SequentialActivities.self
        let registry = WorkflowRegistry([workflow])
        let history = try record(workflow.name, registry: registry)
        let replayer = WorkflowReplayer(registry: registry)
        var samples: [Double] = []
        for _ in 0..<repetitions {
            let clock = ContinuousClock()
            let start = clock.now
            let result = try replayer.replay(history, runId: "bench-run")
            samples.append((clock.now - start).seconds * 1000)
            precondition(result.isFinished, "the replayed run must finish")
        }
        samples.sort()
        return [
            "scenario": .string(fanOut ? "replay_fanout" : "replay"),
            "activities": .int(Int64(activities)),
            "events": .int(Int64(history.events.count)),
            "best_ms": .double(samples[0]),
            "median_ms": .double(samples[samples.count / 2]),
        ]
    }

    /// Writes the history by running the workflow live, task by task, on one cached run; every
    /// activity a task schedules completes before the next task.
    private func record(_ type: String, registry: WorkflowRegistry) throws -> History {
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: "bench", workflowType: type, taskQueue: "bench", input: .int(Int64(activities)),
            originalExecutionRunId: "bench-run")
        var builder = HistoryBuilder(started: started, now: Date())
        let run = WorkflowRun(
            workflow: try registry.workflow(named: type),
            info: WorkflowInfo(namespace: "bench", runId: "bench-run", started: started),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { run.evict() }
        while true {
            builder.startWorkflowTask()
            let commands = try run.activate(with: Array(builder.events[Int(run.lastEventId)...]))
            builder.completeWorkflowTask(commands: commands)
            var scheduled = 0
            for case .scheduleActivity(let activity) in commands {
                builder.completeActivity(activity.activityId, result: activity.input)
                scheduled += 1
            }
            if scheduled == 0 { break }
        }
        return History(events: builder.events)
    }
}
