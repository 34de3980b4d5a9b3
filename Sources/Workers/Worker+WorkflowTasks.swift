import Dispatch
import Foundation
import Logging
import Store
import Tracing
import Workflow

extension Worker {
    func pollWorkflowTasks() async {
        // A worker of activities only takes no workflow task.
        guard !workflowTypes.isEmpty else { return }
        await pollLoop(
            slots: configuration.maxConcurrentWorkflowTasks, inFlight: workflowSlots, wakeup: workflowWakeup,
            poll: { limit in
                try await self.store.pollWorkflowTasks(
                    taskQueue: self.configuration.taskQueue, namespaces: self.servedInTurn(self.workflowPollTurn),
                    workflowTypes: self.workflowTypes, owner: self.configuration.identity, limit: limit,
                    leaseDuration: self.configuration.workflowTaskLease, at: self.clock.now)
            },
            handle: { task in await self.process(task) })
    }

    /// Runs one workflow task on the cached run (or a fresh replay) and records the outcome. The
    /// activities it schedules on this worker's queue are leased to this worker while it has free
    /// slots, and handed to its eager runner.
    func process(_ task: WorkflowTask) async {
        let logger = runLogger(namespace: task.namespace, workflowId: task.workflowId, runId: "\(task.runId)")
        let now = clock.now
        let history = WorkflowTaskHistory(startedEventId: task.nextEventId, bytes: task.historyBytes, limits: store.limits)
        let started = HistoryEvent(
            eventId: task.nextEventId, eventTime: now,
            attributes: .workflowTaskStarted(
                .init(
                    scheduledEventId: task.scheduledEventId, identity: configuration.identity, historySizeBytes: history.sizeBytes,
                    suggestContinueAsNew: history.suggestContinueAsNew)))
        if let owner = task.expiredLeaseOwner {
            // The previous attempt never answered: it counts, and the task waits out its backoff.
            await recordExpiredLease(of: task, owner: owner, started: started, logger: logger)
            return
        }
        if let visibleAt = task.visibleAt { WorkerMetrics.workflowTaskScheduleToStart(max(0, now.timeIntervalSince(visibleAt))) }
        let span = workflowTaskSpan(
            workflowType: task.workflowType, runId: task.runId, workflowId: task.workflowId, namespace: task.namespace, traceContext: task.traceContext)
        defer { span.end() }
        var run: WorkflowRun?
        // A database call that hangs is abandoned (the database counts as unavailable); none of
        // them runs workflow code, so the run can be evicted at once.
        let timeout = configuration.databaseCallTimeout
        do {
            let current = try await runForTask(task, logger: logger)
            run = current
            let events = try await abandoning(after: timeout) { try await self.store.history(runId: task.runId, afterEventId: current.lastEventId) }
            let seen = current.lastEventId + Int64(events.count) + 1
            guard seen == task.nextEventId else {
                // Longer: events arrived since the poll; run again on them. Shorter cannot happen
                // (events and next_event_id are written together), so it counts as a failure.
                guard seen > task.nextEventId else {
                    throw WorkflowTaskError(
                        code: .invalidHistory, message: "the history of run \(task.runId) ends at event \(seen - 1), short of the run's next event \(task.nextEventId)")
                }
                throw StoreError(.staleTask, "history of run \(task.runId) moved on since the task was leased")
            }
            let commands = try activateWatched(current, with: events + [started], logger: logger)
            let reserved = reserveActivitySlots(for: commands, on: task.taskQueue)
            let eager = reserved > 0 ? eagerLease(limit: reserved) : nil
            let completion: WorkflowTaskCompletion
            do {
                completion = try await abandoning(after: timeout) {
                    try await self.store.completeWorkflowTask(
                        task, started: started, commands: commands, identity: self.configuration.identity, eager: eager, at: now)
                }
            } catch {
                for _ in 0..<reserved { activitySlots.end() }
                throw error
            }
            for _ in completion.eagerActivities.count..<reserved { activitySlots.end() }
            if completion.closesRun { WorkerMetrics.workflowClosed(by: commands, workflowType: task.workflowType) }
            keep(current, task.runId, after: completion, traceContext: task.traceContext)
        } catch {
            span.recordError(error)
            run?.evict()
            guard !Task.isCancelled else { return }
            await settleFailedTask(task, started: started, error: error, logger: logger)
        }
    }

    /// After a recorded workflow task: caches the run (evicts it when finished), then hands the
    /// activities the task leased to this worker to its eager runner. Cached first, so that their
    /// completions find it.
    func keep(_ run: WorkflowRun, _ runId: UUID, after completion: WorkflowTaskCompletion, traceContext: String?) {
        counters.withLock { $0.eagerActivities += completion.eagerActivities.count }
        if run.isFinished || completion.closesRun {
            run.evict()
        } else {
            cache.put(runId, run, written: completion.events, historyBytes: completion.historyBytesBefore)
        }
        handOver(completion.eagerActivities.map { $0.traced(traceContext) })
    }

    /// The worker's logger with a run's ids as metadata.
    func runLogger(namespace: String, workflowId: String, runId: String) -> Logger {
        var logger = self.logger
        logger[metadataKey: "workflow.namespace"] = "\(namespace)"
        logger[metadataKey: "workflow.id"] = "\(workflowId)"
        logger[metadataKey: "workflow.run.id"] = "\(runId)"
        return logger
    }

    /// Lets a completion or a start lease to this worker up to `limit` of the activities it
    /// schedules: on its queue, of its registered types.
    func eagerLease(limit: Int) -> EagerActivities {
        EagerActivities(owner: configuration.identity, taskQueue: configuration.taskQueue, limit: limit, activityTypes: registeredActivities)
    }

    /// Takes free activity slots for the activities these commands schedule on this worker's queue
    /// and can run.
    ///
    /// - Returns: how many were taken.
    private func reserveActivitySlots(for commands: [Command], on workflowQueue: String) -> Int {
        var wanted = 0
        for case .scheduleActivity(let command) in commands
        where (command.options.taskQueue ?? workflowQueue) == configuration.taskQueue && registeredActivities.contains(command.activityType) {
            wanted += 1
        }
        var reserved = 0
        while reserved < wanted && activitySlots.tryBegin(limit: configuration.maxConcurrentActivities) { reserved += 1 }
        return reserved
    }

    /// The cached run, or a new one that will replay the whole history.
    private func runForTask(_ task: WorkflowTask, logger: Logger) async throws -> WorkflowRun {
        if let cached = cache.take(task.runId)?.run {
            if cached.lastEventId < task.nextEventId { return cached }
            cached.evict()
        }
        let info = WorkflowInfo(
            namespace: task.namespace, workflowId: task.workflowId, runId: task.runId.uuidString.lowercased(),
            workflowType: task.workflowType, taskQueue: task.taskQueue)
        do {
            return WorkflowRun(workflow: try workflows.workflow(named: task.workflowType), info: info, logger: logger)
        }
    }

    /// Activates a run with a watchdog: an activation that has not returned after the threshold is
    /// reported as stuck (a loop that never suspends cannot be pre-empted, as in Go's SDK).
    func activateWatched(_ run: WorkflowRun, with events: [HistoryEvent], logger: Logger) throws -> [Command] {
        let watchdog = DispatchWorkItem {
            logger.error(
                "Workflow task stuck: workflow code has run without suspending for longer than the threshold; look for a loop that never awaits",
                metadata: ["threshold": "\(self.configuration.stuckWorkflowTaskThreshold)"])
        }
        DispatchQueue.global().asyncAfter(
            deadline: .now() + configuration.stuckWorkflowTaskThreshold.seconds, execute: watchdog)
        defer { watchdog.cancel() }
        return try run.activate(with: events)
    }
}
