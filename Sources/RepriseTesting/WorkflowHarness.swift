import Foundation
import Logging
import Workers
import Workflow

/// Runs a workflow in memory, with no Postgres and no worker: a unit test of the workflow's logic.
///
/// It drives the run the way the engine does, with an in-memory history: each workflow task feeds
/// the cached run its new events, and the commands it returns become history events. Scheduled
/// activities run at once (mocks, usually: ``MockActivity``), and when nothing else is left the
/// next timer fires, with the history's clock moved to its time, so a three-day sleep takes no
/// time. Each activity runs once: its answer or its failure is final, as when retries run out. A
/// run that continues as new is followed to the new run, so ``result(_:)`` is the chain's result.
/// Children run in harnesses of their own, from the same registry and activities.
/// Retries, timeouts, dead letters and time against a real database are ``TestEnvironment``'s.
///
/// ## Usage
/// ```swift
/// let harness = try WorkflowHarness(Checkout.self, input: order, activities: [
///     MockActivity(Charge.self) { _ in throw ApplicationFailure("card declined", type: "PaymentDeclined", nonRetryable: true) },
/// ])
/// await #expect(throws: WorkflowHarnessError.self) { try await harness.result(Checkout.self) }
/// #expect(harness.failure?.cause?.type == "PaymentDeclined")
/// ```
public final class WorkflowHarness {
    package var builder: HistoryBuilder
    package private(set) var run: WorkflowRun
    package let registry: WorkflowRegistry
    /// The current run's identity: a continue-as-new moves it to the new run.
    package private(set) var info: WorkflowInfo
    /// The histories of the runs that continued as new, oldest first.
    public private(set) var continuedRuns: [[HistoryEvent]] = []
    /// The commands of every workflow task, in order.
    package private(set) var taskCommands: [[Command]] = []
    let activities: ActivityRegistry
    /// The children this run started, by their `StartChildWorkflowExecutionInitiated` event id.
    var children: [Int64: WorkflowHarness] = [:]

    /// A run of `type` with `input`, not started yet: ``runUntilBlocked()`` or ``result(_:)`` start it.
    ///
    /// - Parameters:
    ///   - registry: the workflows the run may find by name; `type` alone by default.
    ///   - runId: the run's id, which seeds `context.random` and `context.uuid()`.
    ///   - activities: what scheduled activities run: mocks, or real activities.
    public convenience init<W: Workflow>(
        _ type: W.Type, input: W.Input, registry: WorkflowRegistry? = nil, runId: String = "run-1", activities: [any Activity] = []
    ) throws {
        try self.init(
            named: W.name, input: try Payload(encoding: input), registry: registry ?? WorkflowRegistry([type]), workflowId: "wf-1", runId: runId,
            activities: ActivityRegistry(activities), now: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// A run of the workflow type `name` (a child's, say), found in `registry`.
    package init(
        named name: String, input: Payload?, registry: WorkflowRegistry, workflowId: String, runId: String, activities: ActivityRegistry, now: Date
    ) throws {
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: workflowId, workflowType: name, taskQueue: "main", input: input, originalExecutionRunId: runId)
        self.registry = registry
        self.info = WorkflowInfo(namespace: "default", runId: runId, started: started)
        self.builder = HistoryBuilder(started: started, now: now)
        self.run = WorkflowRun(workflow: try registry.workflow(named: name), info: info, logger: WorkflowHarness.logger)
        self.activities = activities
    }

    static let logger = Logger(label: "reprise.harness", factory: { _ in SwiftLogNoOpLogHandler() })

    // MARK: Driving the run

    /// How many workflow tasks ``runUntilBlocked()`` runs before it gives up on a run that never
    /// settles (a loop of timers, say).
    public var maximumWorkflowTasks = 10_000

    /// Runs workflow tasks, activities and timers until the run closes or waits for a signal.
    ///
    /// - Throws: a ``WorkflowTaskError`` when a workflow task fails (non-determinism, a decode
    ///   error, a bug); a ``WorkflowHarnessError`` when an activity is not registered or the run
    ///   does not settle within ``maximumWorkflowTasks``.
    public func runUntilBlocked() async throws {
        var tasks = 0
        while !isClosed {
            if builder.hasPendingWorkflowTask {
                tasks += 1
                guard tasks <= maximumWorkflowTasks else {
                    throw WorkflowHarnessError(message: "workflow \(info.workflowType) ran \(maximumWorkflowTasks) workflow tasks without settling")
                }
                try runWorkflowTask()
            } else if let activityId = openActivities.first {
                try await runActivity(activityId)
            } else if try await advanceChildren() {
                continue
            } else if let timer = nextTimer {
                builder.now = max(builder.now, timer.fireAt)
                builder.fireTimer(timer.id)
            } else {
                return
            }
        }
    }

    /// Runs the workflow until it closes and decodes its result.
    ///
    /// - Throws: a ``WorkflowHarnessError`` carrying the failure when the run failed or was
    ///   canceled, or saying what it waits for when it is still open.
    public func result<W: Workflow>(_ type: W.Type) async throws -> W.Output {
        try await runUntilBlocked()
        guard let closing = closingEvent else {
            throw WorkflowHarnessError(
                message: "workflow \(info.workflowType) is still open after \(builder.events.count) events: it waits for a signal or a cancel; send one with signal(_:_:) or cancel()")
        }
        switch closing.attributes {
        case .workflowExecutionCompleted(let completed):
            return try (completed.result ?? .null).decode(as: W.Output.self)
        default:
            throw WorkflowHarnessError(
                message: "workflow \(info.workflowType) ended \(closing.eventType.rawValue): \(failure.map { "\($0.type): \($0.message)" } ?? "")",
                failure: failure)
        }
    }

    /// Delivers a signal; the next ``runUntilBlocked()`` or ``result(_:)`` lets the run see it.
    public func signal(_ name: String, _ input: some Encodable & Sendable) throws {
        builder.signal(name, input: try Payload(encoding: input))
    }

    /// Requests the run's cancellation.
    public func cancel(reason: String? = nil) {
        builder.requestCancel(reason: reason)
    }

    // MARK: Reading the run

    /// The current run's history so far (the runs it continued are in ``continuedRuns``).
    public var history: [HistoryEvent] { builder.events }

    /// Whether the run has closed.
    public var isClosed: Bool { closingEvent != nil }

    /// The failure the run closed with, if it failed or was canceled.
    public var failure: Failure? {
        switch closingEvent?.attributes {
        case .workflowExecutionFailed(let failed)?: failed.failure
        case .workflowExecutionCanceled?: Failure(message: "canceled", type: Failure.Types.canceled)
        default: nil
        }
    }

    /// Event types of the history, in order.
    public var eventTypes: [EventType] { builder.events.map(\.eventType) }

    /// The closing event, if the run closed.
    public var closingEvent: HistoryEvent? { builder.events.last { $0.eventType.isClosing } }

    // MARK: One step at a time (the runtime's own tests)

    /// Runs the pending workflow task on the cached run and records its commands in history. A
    /// task that continues as new moves the harness to the new run, as the engine does.
    @discardableResult
    package func runWorkflowTask() throws -> [Command] {
        builder.startWorkflowTask(identity: "test")
        let newEvents = Array(builder.events[Int(run.lastEventId)...])
        do {
            let commands = try run.activate(with: newEvents)
            let newRunId = "run-\(continuedRuns.count + 2)"
            builder.completeWorkflowTask(commands: commands, newExecutionRunId: newRunId)
            taskCommands.append(commands)
            if case .continueAsNew(let command)? = commands.last { try startContinuedRun(command, runId: newRunId) }
            return commands
        } catch let error as WorkflowTaskError {
            builder.failWorkflowTask(error)
            throw error
        }
    }

    /// Closes the current run as the engine does for a continue-as-new, and starts the new run:
    /// its first events, with the signals the old run left unseen.
    private func startContinuedRun(_ command: Command.ContinueAsNew, runId: String) throws {
        run.evict()
        continuedRuns.append(builder.events)
        let started = HistoryEvent.WorkflowExecutionStartedAttributes(
            workflowId: info.workflowId, workflowType: command.workflowType, taskQueue: command.taskQueue, input: command.input,
            originalExecutionRunId: runId, continuedExecutionRunId: info.runId, firstExecutionRunId: info.firstExecutionRunId)
        // As the engine writes it: the start, the carried signals, then the first workflow task.
        var next = HistoryBuilder(events: [], taskQueue: command.taskQueue, now: builder.now)
        next.append(.workflowExecutionStarted(started))
        for signal in command.carriedSignals {
            next.append(.workflowExecutionSignaled(.init(signalName: signal.name, input: signal.input, identity: "carried over from run \(info.runId)")))
        }
        next.scheduleWorkflowTask()
        info = WorkflowInfo(namespace: info.namespace, runId: runId, started: started)
        builder = next
        run = WorkflowRun(workflow: try registry.workflow(named: command.workflowType), info: info, logger: WorkflowHarness.logger)
    }

    /// Replays the whole history on a fresh run and returns it.
    package func replayFromScratch(using registry: WorkflowRegistry? = nil) throws -> WorkflowRun {
        let run = WorkflowRun(
            workflow: try (registry ?? self.registry).workflow(named: info.workflowType), info: info, logger: WorkflowHarness.logger)
        _ = try run.activate(with: builder.events)
        return run
    }

    /// Activities scheduled in history without a result yet, by id.
    package var openActivities: [String] {
        var closed: Set<Int64> = []
        for event in builder.events {
            switch event.attributes {
            case .activityTaskCompleted(let a): closed.insert(a.scheduledEventId)
            case .activityTaskFailed(let a): closed.insert(a.scheduledEventId)
            case .activityTaskCancelRequested(let a): closed.insert(a.scheduledEventId)
            default: break
            }
        }
        return builder.events.compactMap { event in
            guard case .activityTaskScheduled(let a) = event.attributes, !closed.contains(event.eventId) else { return nil }
            return a.activityId
        }
    }

    /// The input of a scheduled activity.
    package func activityInput(_ activityId: String) -> Payload? {
        scheduled(activityId)?.input
    }

    private func scheduled(_ activityId: String) -> HistoryEvent.ActivityTaskScheduledAttributes? {
        for event in builder.events {
            if case .activityTaskScheduled(let a) = event.attributes, a.activityId == activityId { return a }
        }
        return nil
    }

    /// Runs one attempt of a scheduled activity and records its outcome as final.
    private func runActivity(_ activityId: String) async throws {
        guard let scheduled = scheduled(activityId) else { return }
        guard let activity = activities[scheduled.activityType] else {
            throw WorkflowHarnessError(
                message: "workflow \(info.workflowType) scheduled activity \(scheduled.activityType), which the harness has not been given; given: \(activities.names.joined(separator: ", ")). Pass it, or a MockActivity of it, in activities:")
        }
        let context = ActivityContext(
            info: .init(
                namespace: info.namespace, workflowId: info.workflowId, runId: info.runId, workflowType: info.workflowType, activityId: activityId,
                activityType: scheduled.activityType, taskQueue: scheduled.taskQueue, attempt: 1),
            logger: Self.logger, heartbeat: { _ in })
        do {
            let result = try await ActivityContext.$current.withValue(context) { try await activity.run(scheduled.input) }
            builder.completeActivity(activityId, result: result)
        } catch {
            builder.failActivity(activityId, failure: Failure(error))
        }
    }

    /// The timer due first among those started and neither fired nor canceled, with its fire time.
    private var nextTimer: (id: String, fireAt: Date)? {
        var open: [String: Date] = [:]
        for event in builder.events {
            switch event.attributes {
            case .timerStarted(let a): open[a.timerId] = event.eventTime.addingTimeInterval(a.startToFireTimeout)
            case .timerFired(let a): open[a.timerId] = nil
            case .timerCanceled(let a): open[a.timerId] = nil
            default: break
            }
        }
        return open.min { ($0.value, $0.key) < ($1.value, $1.key) }.map { (id: $0.key, fireAt: $0.value) }
    }
}

/// A run in a ``WorkflowHarness`` that did not end as the test asked: it failed, it still waits,
/// or it needs an activity the harness was not given.
public struct WorkflowHarnessError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// The failure the run closed with, when it closed failed or canceled.
    public var failure: Failure?

    public init(message: String, failure: Failure? = nil) {
        self.message = message
        self.failure = failure
    }

    public var description: String { message }
}
