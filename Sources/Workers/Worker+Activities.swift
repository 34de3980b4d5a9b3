import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Tracing
import Workflow

extension Worker {
    func pollActivityTasks() async {
        // A worker of workflows only takes no activity task.
        guard !activityTypes.isEmpty else { return }
        await pollLoop(
            slots: configuration.maxConcurrentActivities, inFlight: activitySlots, slotFreed: activitySlotFreed, wakeup: activityWakeup,
            poll: { limit in
                try await self.store.pollActivityTasks(
                    taskQueue: self.configuration.taskQueue, namespaces: self.servedInTurn(self.activityPollTurn),
                    activityTypes: self.activityTypes, owner: self.configuration.identity, limit: limit, at: self.clock.now)
            },
            handle: { task in await self.execute(task) })
    }

    /// Runs the activities leased eagerly by this worker's workflow tasks, each on the slot its
    /// workflow task reserved, until the stream finishes.
    func runEagerActivities(_ stream: AsyncStream<ActivityTask>) async {
        await withDiscardingTaskGroup { group in
            for await task in stream {
                undeliveredEager.subtract(1, ordering: .sequentiallyConsistent)
                group.addTask {
                    await self.execute(task)
                    self.activitySlots.end()
                    self.tracker.end()
                    self.activitySlotFreed.ring()
                }
            }
        }
    }

    /// Why an attempt was stopped from outside.
    enum StopReason: Sendable {
        case canceledByWorkflow, leaseLost, deadline, shutdown
    }

    /// Runs an activity attempt, then, on the same slot, each next attempt its completion leased
    /// to this worker.
    func execute(_ task: ActivityTask) async {
        var next: ActivityTask? = task
        while let current = next {
            next = await attempt(current)
        }
    }

    /// Runs one activity attempt with heartbeats and timeouts, and records its outcome.
    ///
    /// - Returns: the next attempt leased to this worker when the completion ran the run's next
    ///   workflow task inline.
    private func attempt(_ task: ActivityTask) async -> ActivityTask? {
        var logger = runLogger(namespace: task.info.namespace, workflowId: task.info.workflowId, runId: "\(task.runId)")
        logger[metadataKey: "activity.id"] = "\(task.activityId)"
        logger[metadataKey: "activity.name"] = "\(task.activityType)"
        logger[metadataKey: "activity.attempt"] = "\(task.attempt)"
        guard let activity = activities[task.activityType] else {
            let failure = Failure(
                message: "no activity \"\(task.activityType)\" is registered with worker \(configuration.identity); registered: \(activities.names.joined(separator: ", "))",
                type: "ActivityNotRegistered")
            try? await store.failActivity(task, failure: failure, identity: configuration.identity, at: clock.now)
            return nil
        }
        let startedAt = ContinuousClock.now
        if let visibleAt = task.visibleAt { WorkerMetrics.activityScheduleToStart(max(0, clock.now.timeIntervalSince(visibleAt))) }
        // One span per attempt, in the run's trace; the activity's own calls (an LLM provider,
        // `http.request`) are its children.
        let span = startSpan("RunActivity \(task.activityType)", context: RunTraceContext.decode(task.traceContext))
        span.updateAttributes { attributes in
            attributes["reprise.activity.type"] = task.activityType
            attributes["reprise.activity.id"] = task.activityId
            attributes["reprise.activity.attempt"] = task.attempt
            attributes["reprise.workflow.id"] = task.info.workflowId
            attributes["reprise.workflow.run_id"] = task.info.runId
        }
        defer { span.end() }
        let attempt = AttemptState()
        let activityLogger = logger
        // The attempt's own limit. A heartbeat timeout is enforced by the reaper, whose verdict
        // reaches the attempt as a lost lease on its next heartbeat.
        let limit = task.options.startToCloseTimeout ?? task.options.scheduleToCloseTimeout ?? .seconds(3600)
        let deadline = max(task.leaseExpiresAt, clock.now.addingTimeInterval(limit.seconds))
        let outcome: Result<Payload, any Error> = await withTaskGroup(of: Result<Payload, any Error>?.self) { group in
            group.addTask {
                let context = ActivityContext(info: task.info, logger: activityLogger) { details in
                    try await self.heartbeat(task, details: details, attempt: attempt)
                }
                do {
                    return .success(
                        try await ServiceContext.$current.withValue(span.context) {
                            try await ActivityContext.$current.withValue(context) { try await activity.run(task.input) }
                        })
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                // Stops the attempt at its deadline; the reaper records the timeout and any retry.
                try? await self.clock.sleep(until: deadline)
                if !Task.isCancelled { attempt.stop(.deadline) }
                return nil
            }
            group.addTask {
                // On graceful shutdown, running activities get a grace period, then are released.
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: self.configuration.gracefulShutdownTimeout)
                    attempt.stop(.shutdown)
                } catch {}
                return nil
            }
            var outcome: Result<Payload, any Error>?
            while outcome == nil, let next = await group.next() {
                if let next {
                    outcome = next
                } else {
                    group.cancelAll()  // A deadline or shutdown: stop the activity.
                }
            }
            group.cancelAll()
            return outcome ?? .failure(CancellationError())
        }
        guard !Task.isCancelled else { return nil }  // The worker itself was killed: record nothing.
        WorkerMetrics.activityExecution(ContinuousClock.now - startedAt, activityType: task.activityType)
        if case .failure(let error) = outcome, attempt.stopReason != .canceledByWorkflow, attempt.stopReason != .shutdown {
            WorkerMetrics.activityFailed(activityType: task.activityType)
            span.recordError(error)
        }
        let now = clock.now
        // A call that hangs is abandoned: the attempt's lease then expires and the reaper retries it.
        let timeout = configuration.databaseCallTimeout
        let details = attempt.pendingDetails
        do {
            switch (outcome, attempt.stopReason) {
            case (.success(let result), _):
                if let failure = store.limits.payloadFailure(result, of: "the result of activity \(task.activityType)") {
                    logger.error("Activity result refused", metadata: ["error.type": "\(failure.type)", "error.message": "\(failure.message)"])
                    try await abandoning(after: timeout) {
                        try await self.store.failActivity(task, failure: failure, heartbeatDetails: details, identity: self.configuration.identity, at: now)
                    }
                    return nil
                }
                return try await complete(task, result: result, at: now, logger: logger)
            case (.failure, .canceledByWorkflow?):
                try await abandoning(after: timeout) { try await self.store.cancelActivity(task, identity: self.configuration.identity, at: now) }
            case (.failure, .shutdown?):
                try await abandoning(after: timeout) { try await self.store.releaseActivity(task, heartbeatDetails: details, at: now) }
            case (.failure, .leaseLost?), (.failure, .deadline?):
                break  // The reaper owns the outcome of an attempt past its lease.
            case (.failure(let error), nil):
                logger.info("Activity attempt failed", metadata: ["error": "\(String(reflecting: error))"])
                let failure = Failure(error)
                try await abandoning(after: timeout) {
                    try await self.store.failActivity(task, failure: failure, heartbeatDetails: details, identity: self.configuration.identity, at: now)
                }
            }
        } catch {
            logger.warning("Could not record activity outcome", metadata: ["error": "\(String(reflecting: error))"])
        }
        return nil
    }

    /// Records an attempt's result. When this worker holds the run in its cache, it runs the run's
    /// next workflow task on it first, on the events the completion writes, and hands the Store the
    /// decided step to write in the same commit, the step's first new activity leased to this worker
    /// (one commit per step and no poll; docs/design.md, "Transaction boundaries"). If the run had
    /// moved on, the step is not written and the run is evicted.
    private func complete(_ task: ActivityTask, result: Payload, at now: Date, logger: Logger) async throws -> ActivityTask? {
        let identity = configuration.identity
        let timeout = configuration.databaseCallTimeout
        // Not cached here, or its code failed on the step: the completion alone, and a workflow task queued.
        let cached = cache.take(task.runId)
        // The run's next workflow task runs here only when the run is cached.
        let span = cached.map { _ in
            workflowTaskSpan(
                workflowType: task.info.workflowType, runId: task.runId, workflowId: task.info.workflowId, namespace: task.info.namespace,
                traceContext: task.traceContext)
        }
        defer { span?.end() }
        guard let cached, let step = decideStep(after: task, result: result, on: cached, at: now, logger: logger) else {
            _ = try await abandoning(after: timeout) { try await self.store.completeActivity(task, result: result, identity: identity, at: now) }
            return nil
        }
        let run = cached.run
        let completion: WorkflowTaskCompletion?
        do {
            completion = try await abandoning(after: timeout) {
                try await self.store.completeActivity(task, result: result, identity: identity, step: step, at: now)
            }
        } catch {
            run.evict()  // Its code ran on a step that may not be written.
            throw error
        }
        guard let completion else {
            run.evict()  // Its code ran on a step that was not written.
            return nil
        }
        if completion.closesRun { WorkerMetrics.workflowClosed(by: step.commands, workflowType: task.info.workflowType) }
        counters.withLock {
            $0.inlineWorkflowTasks += 1
            $0.eagerActivities += completion.eagerActivities.count
        }
        if run.isFinished || completion.closesRun {
            run.evict()
        } else {
            cache.put(task.runId, run, written: completion.events, historyBytes: completion.historyBytesBefore)
        }
        return completion.eagerActivities.first?.traced(task.traceContext)
    }

    /// Runs the cached run's next workflow task on the events that completing `task` writes.
    ///
    /// - Returns: the step; nil when the code failed: then the run is evicted, and the completion
    ///   queues the workflow task for a fresh replay, which records the failure.
    func decideStep(after task: ActivityTask, result: Payload, on cached: RunCache.Entry, at now: Date, logger: Logger) -> DecidedStep? {
        // The step's WorkflowTaskStarted is its fourth event.
        let history = WorkflowTaskHistory(startedEventId: cached.nextEventId + 3, bytes: cached.historyBytes, limits: store.limits)
        let events = DecidedStep.events(
            completing: task, result: result, identity: configuration.identity, taskQueue: configuration.taskQueue, from: cached.nextEventId,
            history: history, at: now)
        do {
            return DecidedStep(
                expectedNextEventId: cached.nextEventId, taskQueue: configuration.taskQueue, events: events,
                commands: try activateWatched(cached.run, with: cached.unseen + events, logger: logger),
                eager: eagerLease(limit: 1),
                callTimeout: configuration.databaseCallTimeout)
        } catch {
            logger.debug("Inline workflow task failed; queued for a fresh replay", metadata: ["error": "\(String(reflecting: error))"])
            cached.run.evict()
            return nil
        }
    }

    /// Sends a heartbeat unless one was sent within the throttle interval, and turns a cancel
    /// request or a lost lease into cancellation of the attempt.
    private func heartbeat(_ task: ActivityTask, details: Payload?, attempt: AttemptState) async throws {
        // Refused before it is kept as the attempt's pending details, which a retry would inherit.
        if let failure = store.limits.payloadFailure(details, of: "the heartbeat details of activity \(task.activityType)") {
            throw ApplicationFailure(failure.message, type: failure.type, nonRetryable: true)
        }
        guard attempt.shouldSend(details: details, throttle: configuration.heartbeatThrottle) else { return }
        do {
            if try await store.heartbeat(task, details: details, at: clock.now) {
                attempt.stop(.canceledByWorkflow)
                throw CanceledFailure("the workflow canceled this activity")
            }
            attempt.sent()
        } catch let error as StoreError where error.code == .staleTask {
            attempt.stop(.leaseLost)
            throw CanceledFailure("this attempt lost its lease: \(error.message)")
        }
    }
}

/// One attempt's shared state: heartbeat throttling, the latest details, and why it was stopped.
final class AttemptState: Sendable {
    private struct State {
        var pending: Payload?
        var lastSent: ContinuousClock.Instant?
        var stopReason: Worker.StopReason?
    }

    private let state = Mutex(State())

    /// Records the details and says whether to send them now.
    func shouldSend(details: Payload?, throttle: Duration) -> Bool {
        state.withLock { state in
            if let details { state.pending = details }
            guard let last = state.lastSent else { return true }
            return ContinuousClock.now - last >= throttle
        }
    }

    func sent() { state.withLock { $0.lastSent = .now } }

    /// The latest details, sent or not, to hand to the next attempt.
    var pendingDetails: Payload? { state.withLock { $0.pending } }

    /// Records why the attempt is being stopped; the first reason wins.
    func stop(_ reason: Worker.StopReason) { state.withLock { $0.stopReason = $0.stopReason ?? reason } }

    var stopReason: Worker.StopReason? { state.withLock { $0.stopReason } }
}
