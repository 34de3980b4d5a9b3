import Foundation
import Logging
import Synchronization

/// One run of a workflow in memory: its executor, its tasks and its state, fed history events.
///
/// A worker keeps runs in its cache between workflow tasks ("sticky execution"): new events resume
/// the parked continuations without a replay. A run seen for the first time replays its whole
/// history. Either way, ``activate(with:)`` processes events in history order, one workflow task at a
/// time, matches every command the code emits against the recorded command events, and returns the
/// new commands of the last, unfinished workflow task.
///
/// ## Usage
/// ```swift
/// let run = WorkflowRun(workflow: try registry.workflow(named: type), info: info, logger: logger)
/// let commands = try run.activate(with: history.events)
/// ```
package final class WorkflowRun: Sendable {
    /// The identity of the run.
    package let info: WorkflowInfo
    let executor = WorkflowExecutor()
    let state: Mutex<RunState>
    let logger: Logger
    private let workflow: AnyWorkflow
    let progress = Mutex(Progress())
    let rootTask = Mutex<Task<Void, Never>?>(nil)

    /// Where the run stands in its history, between activations.
    struct Progress {
        var lastEventId: Int64 = 0
        var input: Payload?
        var busy = false
        /// Commands emitted but not yet matched with their history events.
        var unmatched: [Command] = []
        var unmatchedHead = 0
        /// Set by `WorkflowTaskCompleted`: the command events of that task follow.
        var matching = false
        /// Non-command events that the next workflow task delivers to the code.
        var inputs: [HistoryEvent] = []
        var failed: WorkflowTaskError?
    }

    /// Creates a run. Nothing runs until the first ``activate(with:)``.
    package init(workflow: AnyWorkflow, info: WorkflowInfo, logger: Logger) {
        self.workflow = workflow
        self.info = info
        self.state = Mutex(RunState(seed: info.originalExecutionRunId))
        var logger = logger
        logger[metadataKey: "workflow.namespace"] = "\(info.namespace)"
        logger[metadataKey: "workflow.id"] = "\(info.workflowId)"
        logger[metadataKey: "workflow.run.id"] = "\(info.runId)"
        self.logger = logger
    }

    /// The id of the last event this run has processed; a cached run wants the events after it.
    package var lastEventId: Int64 { progress.withLock { $0.lastEventId } }

    /// Whether the workflow's main function has returned or thrown.
    package var isFinished: Bool { state.withLock { $0.outcome != nil } }

    /// Processes history events that continue what the run has seen.
    ///
    /// - Parameter events: the next events, dense from ``lastEventId`` + 1. For a new run, the
    ///   whole history. When they end in a `WorkflowTaskStarted` with no outcome, that workflow task
    ///   runs live and its commands are returned.
    /// - Returns: the commands of the live workflow task, or none when the events end elsewhere.
    /// - Throws: ``WorkflowTaskError`` for non-determinism, an escape, a bug in the workflow code or
    ///   an invalid history. The run is then unusable: evict it.
    package func activate(with events: [HistoryEvent]) throws -> [Command] {
        try progress.withLock { progress in
            if let failed = progress.failed { throw failed }
            guard !progress.busy else {
                throw WorkflowTaskError(code: .invalidHistory, message: "the run is already being activated")
            }
            progress.busy = true
        }
        executor.beginActivation()
        defer {
            executor.endActivation()
            progress.withLock { $0.busy = false }
        }
        do {
            return try process(events)
        } catch let error as WorkflowTaskError {
            progress.withLock { $0.failed = error }
            throw error
        }
    }

    private func process(_ events: [HistoryEvent]) throws -> [Command] {
        var liveCommands: [Command] = []
        // Events are read in place: copying one out of the array showed in the replay profile.
        for index in events.indices {
            let eventId = events[index].eventId
            try progress.withLock { progress in
                guard eventId == progress.lastEventId + 1 else {
                    throw WorkflowTaskError(
                        code: .invalidHistory,
                        message: "expected history event \(progress.lastEventId + 1) but got \(eventId) (\(events[index].eventType.rawValue))")
                }
                progress.lastEventId = eventId
            }
            if events[index].eventType.isCommandEvent {
                try match(events[index])
                continue
            }
            try endMatching(at: events[index])
            // By type: a switch over the attributes copied them, for every event.
            switch events[index].eventType {
            case .workflowExecutionStarted:
                if case .workflowExecutionStarted(let attributes) = events[index].attributes {
                    progress.withLock { $0.input = attributes.input }
                    state.withLock { state in
                        state.history.continuedExecutionRunId = attributes.continuedExecutionRunId
                        state.history.firstExecutionRunId = attributes.firstExecutionRunId
                    }
                }
            case .workflowTaskCompleted:
                progress.withLock { $0.matching = true }
            case .workflowTaskStarted:
                switch Self.outcome(ofTaskStartedAt: index, in: events) {
                case .failed:
                    continue  // A failed attempt's work was discarded; its inputs go to the next one.
                case .completed(let commandEvents):
                    recordHistoryInfo(of: events[index])
                    _ = try runWorkflowTask(at: events[index].eventTime, replaying: true, commandEvents: commandEvents)
                case .pending:
                    recordHistoryInfo(of: events[index])
                    liveCommands = try runWorkflowTask(at: events[index].eventTime, replaying: false, commandEvents: [])
                }
            case .activityTaskCompleted, .activityTaskFailed, .activityTaskTimedOut, .activityTaskCanceled,
                .timerFired, .workflowExecutionSignaled, .workflowExecutionCancelRequested, .workflowExecutionUpdateAccepted:
                progress.withLock { $0.inputs.append(events[index]) }
            case let type where Self.isChildInput(type):
                progress.withLock { $0.inputs.append(events[index]) }
            default:
                break  // Scheduling, attempts, dead letters and closing events carry nothing for the code.
            }
        }
        if let last = events.last { try endMatching(at: nil, lastEventId: last.eventId) }
        return liveCommands
    }

    /// What ``WorkflowInfo`` reports for the workflow task that `started` begins: the history's
    /// length and size, and the suggestion to continue as new, as its `WorkflowTaskStarted` records them.
    private func recordHistoryInfo(of started: HistoryEvent) {
        guard case .workflowTaskStarted(let attributes) = started.attributes else { return }
        state.withLock { state in
            state.history.length = Int(started.eventId)
            state.history.size = Int(attributes.historySizeBytes ?? 0)
            state.history.continueAsNewSuggested = attributes.suggestContinueAsNew ?? false
        }
    }

    private enum TaskOutcome {
        case completed(commandEvents: ArraySlice<HistoryEvent>)
        case failed
        case pending
    }

    /// Looks ahead from a `WorkflowTaskStarted` for how that workflow task ended.
    private static func outcome(ofTaskStartedAt index: Int, in events: [HistoryEvent]) -> TaskOutcome {
        var cursor = index + 1
        while cursor < events.count {
            switch events[cursor].eventType {
            case .workflowTaskCompleted:
                let start = cursor + 1
                var end = start
                while end < events.count && events[end].eventType.isCommandEvent { end += 1 }
                return .completed(commandEvents: events[start..<end])
            case .workflowTaskFailed:
                return .failed
            default:
                cursor += 1
            }
        }
        return .pending
    }

    /// Runs one workflow task: delivers its inputs in history order, then drains to quiescence.
    private func runWorkflowTask(at time: Date, replaying: Bool, commandEvents: ArraySlice<HistoryEvent>) throws
        -> [Command]
    {
        let (inputs, input) = progress.withLock { progress in
            defer { progress.inputs.removeAll() }
            return (progress.inputs, progress.input)
        }
        try failOnForeignJobs()
        state.withLock { state in
            state.now = time
            state.isReplaying = replaying
            state.commands.removeAll()
            state.recordedSideEffects.removeAll()
            state.recordedPatches.removeAll()
            for event in commandEvents {
                guard case .markerRecorded(let marker) = event.attributes else { continue }
                if marker.markerName == Command.Marker.sideEffectName, case .int(let seq)? = marker.details["sideEffectId"] {
                    state.recordedSideEffects[Int(seq)] = marker.details["data"] ?? .null
                } else if marker.markerName == Command.Marker.patchName, case .string(let id)? = marker.details["patchId"] {
                    state.recordedPatches.insert(id)
                }
            }
        }
        startIfNeeded(input: input)
        for event in inputs { deliver(event) }
        runUntilQuiescent()
        try failOnForeignJobs()
        let commands = try collectCommands()
        progress.withLock { progress in
            progress.unmatched.append(contentsOf: commands)
        }
        return commands
    }

    /// Starts the root task on the first workflow task: the main function and a loop that runs each
    /// signal handler as a child task, all preferring the run's executor.
    private func startIfNeeded(input: Payload?) {
        guard rootTask.withLock({ $0 == nil }) else { return }
        let context = WorkflowContext(run: self)
        let workflow = self.workflow
        let task = Task(executorPreference: executor) {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    let outcome: RunState.Outcome
                    do {
                        outcome = .completed(try await workflow.body(context, input))
                    } catch {
                        outcome = self.classify(error)
                    }
                    self.finishMain(outcome)
                }
                while let handler = try? await self.nextHandlerInvocation() {
                    group.addTask { await handler() }
                }
                group.cancelAll()
            }
            self.state.withLock { $0.rootFinished = true }
        }
        rootTask.withLock { $0 = task }
    }

    private func finishMain(_ outcome: RunState.Outcome) {
        let inbox = state.withLock { state -> RunState.Continuation? in
            if state.outcome == nil && !state.evicting { state.outcome = outcome }
            state.handlerInboxOpen = false
            return state.parked.removeValue(forKey: WaitKey(kind: .handlerInbox, seq: 0))
        }
        inbox?.resume(returning: nil)
    }

    /// Sorts an error thrown out of workflow code: business outcomes end the run, bugs fail the task.
    func classify(_ error: any Error) -> RunState.Outcome {
        switch error {
        case let error as WorkflowTaskError:
            return .taskFailed(error)
        case let failure as ActivityFailure where failure.cause.type == Failure.Types.canceled:
            // An activity canceled by the workflow's cancellation ends the run canceled, as in Temporal.
            return state.withLock { $0.cancelRequested } ? .canceled : .failed(Failure(error))
        case is ApplicationFailure, is ActivityFailure, is InvalidArgumentFailure, is ChildWorkflowFailure:
            return .failed(Failure(error))
        case is CanceledFailure, is CancellationError:
            return state.withLock { $0.cancelRequested } ? .canceled : .failed(Failure(error))
        default:
            return .taskFailed(
                WorkflowTaskError(
                    code: .workflowBug,
                    message: """
                        workflow code threw \(String(reflecting: error)). Only ApplicationFailure (and the \
                        ActivityFailure, ChildWorkflowFailure, CanceledFailure and InvalidArgumentFailure that Reprise throws) fail a workflow; any other \
                        error is treated as a bug and retried as a workflow task
                        """))
        }
    }

    /// The commands of the finished activation, closing the run when its main function ended.
    private func collectCommands() throws -> [Command] {
        try state.withLock { state in
            if let failure = state.taskFailure { throw failure }
            var commands = state.commands
            state.commands.removeAll()
            if let outcome = state.outcome, !state.outcomeReported {
                state.outcomeReported = true
                switch outcome {
                case .completed(let result): commands.append(.completeWorkflow(result: result))
                case .failed(let failure): commands.append(.failWorkflow(failure: failure))
                case .canceled: commands.append(.cancelWorkflow(details: nil))
                case .continuedAsNew(let command): commands.append(.continueAsNew(command))
                case .taskFailed(let error): throw error
                }
            } else if state.outcome == nil && !state.rootFinished && !state.hasUserWaits && !state.evicting {
                throw WorkflowTaskError.escape(
                    "the workflow is blocked, but not on a WorkflowContext API: it awaited something the runtime cannot see")
            }
            return commands
        }
    }

    private func failOnForeignJobs() throws {
        let count = executor.foreignEnqueues
        if count > 0 {
            throw WorkflowTaskError.escape(
                "\(count) job(s) were scheduled onto the workflow from another thread or between workflow tasks")
        }
    }
}
