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

/// Replays a history of `activities` sequential activities in-process, several times, and
/// reports the best and median wall time of one full replay.
struct ReplayScenario {
    var activities: Int
    var repetitions: Int

    func run() throws -> [String: JSONValue] {
        let registry = WorkflowRegistry([SequentialActivities.self])
        let history = try record(registry: registry)
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
            "scenario": .string("replay"),
            "activities": .int(Int64(activities)),
            "events": .int(Int64(history.events.count)),
            "best_ms": .double(samples[0]),
            "median_ms": .double(samples[samples.count / 2]),
        ]
    }

    /// Writes the history by running the workflow live, task by task, on one cached run.
    private func record(registry: WorkflowRegistry) throws -> History {
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: "bench", workflowType: SequentialActivities.name, taskQueue: "bench", input: .int(Int64(activities)),
            originalExecutionRunId: "bench-run")
        var builder = HistoryBuilder(started: started, now: Date())
        let run = WorkflowRun(
            workflow: try registry.workflow(named: SequentialActivities.name),
            info: WorkflowInfo(namespace: "bench", runId: "bench-run", started: started),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { run.evict() }
        while true {
            builder.startWorkflowTask()
            let commands = try run.activate(with: Array(builder.events[Int(run.lastEventId)...]))
            builder.completeWorkflowTask(commands: commands)
            guard case .scheduleActivity(let scheduled)? = commands.first else { break }
            builder.completeActivity(scheduled.activityId, result: scheduled.input)
        }
        return History(events: builder.events)
    }
}
