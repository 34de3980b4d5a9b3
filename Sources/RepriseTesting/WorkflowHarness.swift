import Foundation
import Logging
import Workflow

/// Drives a ``WorkflowRun`` the way the engine does, with an in-memory history: each workflow task
/// feeds the cached run its new events, and the commands it returns become history events.
final class Harness {
    var builder: HistoryBuilder
    private(set) var run: WorkflowRun
    let registry: WorkflowRegistry
    let info: WorkflowInfo
    /// The commands of every workflow task, in order.
    private(set) var taskCommands: [[Command]] = []

    init<W: Workflow>(_ type: W.Type, input: W.Input, registry: WorkflowRegistry? = nil, runId: String = "run-1") throws {
        let registry = registry ?? WorkflowRegistry([type])
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: "wf-1", workflowType: W.name, taskQueue: "main", input: try Payload(encoding: input),
            originalExecutionRunId: runId)
        self.registry = registry
        self.info = WorkflowInfo(namespace: "default", runId: runId, started: started)
        self.builder = HistoryBuilder(started: started, now: Date(timeIntervalSince1970: 1_700_000_000))
        self.run = WorkflowRun(workflow: try registry.workflow(named: W.name), info: info, logger: Harness.logger)
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs the pending workflow task on the cached run and records its commands in history.
    @discardableResult
    func runWorkflowTask() throws -> [Command] {
        builder.startWorkflowTask(identity: "test")
        let newEvents = Array(builder.events[Int(run.lastEventId)...])
        do {
            let commands = try run.activate(with: newEvents)
            builder.completeWorkflowTask(commands: commands)
            taskCommands.append(commands)
            return commands
        } catch let error as WorkflowTaskError {
            builder.failWorkflowTask(error)
            throw error
        }
    }

    /// Replays the whole history on a fresh run and returns the commands of each replayed task.
    func replayFromScratch(using registry: WorkflowRegistry? = nil) throws -> WorkflowRun {
        let run = WorkflowRun(
            workflow: try (registry ?? self.registry).workflow(named: info.workflowType), info: info, logger: Harness.logger)
        _ = try run.activate(with: builder.events)
        return run
    }

    /// Activities scheduled in history without a result yet, by id.
    var openActivities: [String] {
        var open: [String] = []
        var closed: Set<Int64> = []
        for event in builder.events {
            switch event.attributes {
            case .activityTaskCompleted(let a): closed.insert(a.scheduledEventId)
            case .activityTaskFailed(let a): closed.insert(a.scheduledEventId)
            case .activityTaskCancelRequested(let a): closed.insert(a.scheduledEventId)
            default: break
            }
        }
        for event in builder.events {
            if case .activityTaskScheduled(let a) = event.attributes, !closed.contains(event.eventId) { open.append(a.activityId) }
        }
        return open
    }

    /// The input of a scheduled activity.
    func activityInput(_ activityId: String) -> Payload? {
        for event in builder.events {
            if case .activityTaskScheduled(let a) = event.attributes, a.activityId == activityId { return a.input }
        }
        return nil
    }

    /// Event types of the history, in order.
    var eventTypes: [EventType] { builder.events.map(\.eventType) }

    /// The closing event's attributes, if the run closed.
    var closingEvent: HistoryEvent? { builder.events.last { $0.eventType.isClosing } }
}

extension Command {
    var activityType: String? {
        if case .scheduleActivity(let command) = self { return command.activityType }
        return nil
    }
}
