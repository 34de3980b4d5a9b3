import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import Workflow

extension Worker {
    func pollActivityTasks() async {
        await pollLoop(
            slots: configuration.maxConcurrentActivities, wakeup: activityWakeup,
            poll: { limit in
                try await self.store.pollActivityTasks(
                    taskQueue: self.configuration.taskQueue, owner: self.configuration.identity, limit: limit, at: self.clock.now)
            },
            handle: { task in await self.execute(task) })
    }

    /// Why an attempt was stopped from outside.
    enum StopReason: Sendable {
        case canceledByWorkflow, leaseLost, deadline, shutdown
    }

    /// Runs one activity attempt with heartbeats and timeouts, and records its outcome.
    func execute(_ task: ActivityTask) async {
        var logger = self.logger
        logger[metadataKey: "workflow.namespace"] = "\(task.info.namespace)"
        logger[metadataKey: "workflow.id"] = "\(task.info.workflowId)"
        logger[metadataKey: "workflow.run.id"] = "\(task.runId)"
        logger[metadataKey: "activity.id"] = "\(task.activityId)"
        logger[metadataKey: "activity.name"] = "\(task.activityType)"
        logger[metadataKey: "activity.attempt"] = "\(task.attempt)"
        guard let activity = activities[task.activityType] else {
            let failure = Failure(
                message: "no activity \"\(task.activityType)\" is registered with worker \(configuration.identity); registered: \(activities.names.joined(separator: ", "))",
                type: "ActivityNotRegistered")
            try? await store.failActivity(task, failure: failure, identity: configuration.identity, at: clock.now)
            return
        }
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
                    return .success(try await ActivityContext.$current.withValue(context) { try await activity.run(task.input) })
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
        guard !Task.isCancelled else { return }  // The worker itself was killed: record nothing.
        let now = clock.now
        do {
            switch (outcome, attempt.stopReason) {
            case (.success(let result), _):
                try await store.completeActivity(task, result: result, identity: configuration.identity, at: now)
            case (.failure, .canceledByWorkflow?):
                try await store.cancelActivity(task, identity: configuration.identity, at: now)
            case (.failure, .shutdown?):
                try await store.releaseActivity(task, heartbeatDetails: attempt.pendingDetails, at: now)
            case (.failure, .leaseLost?), (.failure, .deadline?):
                break  // The reaper owns the outcome of an attempt past its lease.
            case (.failure(let error), nil):
                logger.info("Activity attempt failed", metadata: ["error": "\(String(reflecting: error))"])
                try await store.failActivity(
                    task, failure: Failure(error), heartbeatDetails: attempt.pendingDetails, identity: configuration.identity, at: now)
            }
        } catch {
            logger.warning("Could not record activity outcome", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Sends a heartbeat unless one was sent within the throttle interval, and turns a cancel
    /// request or a lost lease into cancellation of the attempt.
    private func heartbeat(_ task: ActivityTask, details: Payload?, attempt: AttemptState) async throws {
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
