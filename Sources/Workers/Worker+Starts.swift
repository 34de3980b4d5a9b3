import Foundation
import Store
import Synchronization
import Workflow

extension Worker: WorkflowStarter {
    /// Starts a run; when it is for this worker's queue, a namespace it serves and a registered
    /// type, and the worker is running, the run's first workflow task runs here before the start
    /// is written and is written with it, its first activity leased to this worker ("eager start";
    /// docs/design.md, "Transaction boundaries"). Otherwise, or when the first task fails or does
    /// not fit one statement, it is a plain start that a poll picks up.
    ///
    /// - Throws: as ``Store/startWorkflow(_:at:)``.
    public func startWorkflow(_ request: StartWorkflowRequest, at now: Date) async throws -> StartWorkflowResult {
        guard request.takesOneStatement, request.taskQueue == configuration.taskQueue, serves(request.namespace),
            let workflow = try? workflows.workflow(named: request.workflowType), acceptsEagerStarts
        else {
            return try await store.startWorkflow(request, at: now)
        }
        // The first workflow task runs on the new run before anything is written.
        let new = try NewRun(request, at: now)
        let info = WorkflowInfo(
            namespace: request.namespace, workflowId: request.workflowId, runId: new.runId.uuidString.lowercased(),
            workflowType: request.workflowType, taskQueue: request.taskQueue)
        let run = WorkflowRun(workflow: workflow, info: info, logger: logger)
        let span = workflowTaskSpan(
            workflowType: request.workflowType, runId: new.runId, workflowId: request.workflowId, namespace: request.namespace,
            traceContext: request.traceContext)
        defer { span.end() }
        let logger = runLogger(namespace: request.namespace, workflowId: request.workflowId, runId: info.runId)
        guard let commands = try? activateWatched(run, with: new.firstTaskEvents(identity: configuration.identity, at: now), logger: logger) else {
            run.evict()
            return try await store.startWorkflow(request, at: now)
        }
        let reserved = activitySlots.tryBegin(limit: configuration.maxConcurrentActivities)
        let firstTask = DecidedFirstTask(
            run: new, identity: configuration.identity, commands: commands,
            eager: reserved ? eagerLease(limit: 1) : nil)
        let started: (result: StartWorkflowResult, firstTask: WorkflowTaskCompletion?)
        do {
            started = try await store.startWorkflow(request, at: now, firstTask: firstTask)
        } catch {
            if reserved { activitySlots.end() }
            run.evict()
            throw error
        }
        guard let completion = started.firstTask else {
            // Written alone, or an open run was returned: the code's work is dropped.
            if reserved { activitySlots.end() }
            run.evict()
            return started.result
        }
        counters.withLock { $0.eagerStarts += 1 }
        if reserved && completion.eagerActivities.isEmpty { activitySlots.end() }
        if completion.closesRun { WorkerMetrics.workflowClosed(by: commands, workflowType: request.workflowType) }
        keep(run, started.result.runId, after: completion, traceContext: request.traceContext)
        return started.result
    }

    /// Whether starts can run their first workflow task here: the worker is running.
    package var acceptsEagerStarts: Bool { eagerActivities.withLock { $0 != nil } }

    /// Hands activities leased to this worker to its eager runner, which holds a slot for each.
    /// If the worker has stopped meanwhile, their leases expire and the reaper queues them again.
    func handOver(_ activities: [ActivityTask]) {
        eagerActivities.withLock { continuation in
            for activity in activities {
                guard let continuation else {
                    activitySlots.end()
                    continue
                }
                tracker.begin()  // Ended by runEagerActivities when the attempt is done.
                undeliveredEager.add(1, ordering: .sequentiallyConsistent)
                continuation.yield(activity)
            }
        }
    }
}
