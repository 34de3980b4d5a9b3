import Foundation
import Logging
import Store
import Workflow

/// What a failed workflow task does next. Every failure backs off and counts toward
/// `maxWorkflowTaskAttempts`, after which the run is `Paused` with the failure on it, except:
/// - a stale task (the lease was lost, or history moved on while the code ran) is given back at
///   once, uncounted: it is no longer this attempt's to fail, and the fence leaves a lease that is
///   not ours alone;
/// - a database that is unavailable (``Store/isUnavailable(_:)``) backs off without counting: the
///   run is not at fault. (If even the release cannot be written, the lease expires, and the poll
///   that takes the task over counts that as one attempt.)
extension Worker {
    func settleFailedTask(_ task: WorkflowTask, started: HistoryEvent, error: any Error, logger: Logger) async {
        switch error {
        case let error as WorkflowTaskError:
            await recordFailure(of: task, started: started, error: error, logger: logger)
        case let error as StoreError where error.code == .staleTask:
            logger.debug("Workflow task released", metadata: ["error": "\(String(reflecting: error))"])
            await release(task, after: .zero, logger: logger)
        case let error where Store.isUnavailable(error):
            logger.warning(
                "Workflow task backs off: the database is unavailable",
                metadata: ["error": "\(String(reflecting: error))", "attempt": "\(task.attempt)"])
            await release(task, after: retryDelay(afterAttempt: task.attempt), logger: logger)
        default:
            await recordFailure(of: task, started: started, error: .workerFailure(error), logger: logger)
        }
    }

    /// Counts the attempt whose lease expired without a result, in the name of the worker that held it.
    func recordExpiredLease(of task: WorkflowTask, owner: String, started: HistoryEvent, logger: Logger) async {
        // A copy this worker cached before the lease was lost may lag the history; replay instead.
        cache.take(task.runId)?.run.evict()
        let started = HistoryEvent(
            eventId: started.eventId, eventTime: started.eventTime,
            attributes: .workflowTaskStarted(.init(scheduledEventId: task.scheduledEventId, identity: owner)))
        await recordFailure(of: task, started: started, error: .leaseExpired(owner: owner, attempt: task.attempt), identity: owner, logger: logger)
    }

    /// Records a failed attempt: `WorkflowTaskFailed` in history, then a retry after the backoff,
    /// or the run `Paused` once the attempts are spent.
    private func recordFailure(
        of task: WorkflowTask, started: HistoryEvent, error: WorkflowTaskError, identity: String? = nil, logger: Logger
    ) async {
        logger.error(
            "Workflow task failed", metadata: ["error.type": "\(error.code)", "error.message": "\(error.message)", "attempt": "\(task.attempt)"])
        let (identity, maxAttempts, delay) = (identity ?? configuration.identity, configuration.maxWorkflowTaskAttempts, retryDelay(afterAttempt: task.attempt))
        let failedAt = clock.now
        do {
            let paused = try await abandoning(after: configuration.databaseCallTimeout) {
                try await self.store.failWorkflowTask(
                    task, started: started, error: error, identity: identity, maxAttempts: maxAttempts, retryDelay: delay, at: failedAt)
            }
            if paused { logger.error("Run paused after repeated workflow task failures", metadata: ["attempt": "\(task.attempt)"]) }
        } catch {
            logger.warning("Could not record workflow task failure", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Gives the task back uncounted; a failure to do so leaves it to its lease's expiry.
    private func release(_ task: WorkflowTask, after delay: Duration, logger: Logger) async {
        let releasedAt = clock.now
        do {
            try await abandoning(after: configuration.databaseCallTimeout) {
                try await self.store.releaseWorkflowTask(task, after: delay, at: releasedAt)
            }
        } catch {
            logger.debug("Could not release workflow task", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// The backoff after a failed attempt (1-based): 1 s, doubling, up to `maxWorkflowTaskRetryDelay`.
    func retryDelay(afterAttempt attempt: Int) -> Duration {
        min(Duration.seconds(1) * (1 << min(max(attempt, 1) - 1, 20)), configuration.maxWorkflowTaskRetryDelay)
    }
}
