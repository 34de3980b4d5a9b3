import Foundation
import Metrics
import Store
import Tracing
import Workflow

/// The worker's metrics (docs/observability.md), through the swift-metrics API: the process
/// bootstraps the backend. Every label value comes from the worker's registry or a fixed set,
/// never from a caller: a task is only measured once its type is known to be registered.
enum WorkerMetrics {
    static func workflowTaskScheduleToStart(_ seconds: Double) {
        Timer(label: "reprise_workflow_task_schedule_to_start_seconds", preferredDisplayUnit: .seconds).recordSeconds(seconds)
    }

    static func activityScheduleToStart(_ seconds: Double) {
        Timer(label: "reprise_activity_schedule_to_start_seconds", preferredDisplayUnit: .seconds).recordSeconds(seconds)
    }

    static func activityExecution(_ duration: Duration, activityType: String) {
        Timer(label: "reprise_activity_execution_seconds", dimensions: [("activity_type", activityType)], preferredDisplayUnit: .seconds)
            .record(duration: duration)
    }

    static func activityFailed(activityType: String) {
        Counter(label: "reprise_activity_failures_total", dimensions: [("activity_type", activityType)]).increment()
    }

    /// Counts a run closed by its own code (completed, failed, canceled, continued as new).
    static func workflowClosed(by commands: [Command], workflowType: String) {
        guard let status = closeStatus(of: commands) else { return }
        Counter(label: "reprise_workflows_closed_total", dimensions: [("workflow_type", workflowType), ("status", status.rawValue)]).increment()
    }

    /// The status a workflow task's commands close the run with, if they close it.
    static func closeStatus(of commands: [Command]) -> WorkflowStatus? {
        for command in commands.reversed() {
            switch command {
            case .completeWorkflow: return .completed
            case .failWorkflow: return .failed
            case .cancelWorkflow: return .canceled
            case .continueAsNew: return .continuedAsNew
            default: continue
            }
        }
        return nil
    }

    /// The free slots of each kind and the cached runs: sampled, not counted per task.
    static func sample(workflowSlotsFree: Int, activitySlotsFree: Int, cachedRuns: Int) {
        Gauge(label: "reprise_worker_task_slots_available", dimensions: [("kind", "workflow")]).record(workflowSlotsFree)
        Gauge(label: "reprise_worker_task_slots_available", dimensions: [("kind", "activity")]).record(activitySlotsFree)
        Gauge(label: "reprise_run_cache_runs").record(cachedRuns)
    }
}

extension Worker {
    /// Creates the metrics that have no labels, so that a scrape lists them before their first
    /// observation (an alert on a missing series cannot fire). Call once the backend is bootstrapped.
    public static func declareMetrics() {
        for label in ["reprise_workflow_task_schedule_to_start_seconds", "reprise_activity_schedule_to_start_seconds"] {
            _ = Timer(label: label, preferredDisplayUnit: .seconds)
        }
        StoreMetrics.declare()
    }

    /// Samples the slot and cache gauges every few seconds until the worker stops.
    func sampleGauges() async {
        while !Task.isCancelled {
            WorkerMetrics.sample(
                workflowSlotsFree: max(0, configuration.maxConcurrentWorkflowTasks - workflowSlots.count),
                activitySlotsFree: max(0, configuration.maxConcurrentActivities - activitySlots.count), cachedRuns: cache.count)
            try? await Task.sleep(for: .seconds(5))
        }
    }

    /// A span for one workflow task that runs code, in the run's trace (its start's stored context).
    /// A replay inside it emits no spans of its own: only this task is traced.
    func workflowTaskSpan(workflowType: String, runId: UUID, workflowId: String, namespace: String, traceContext: String?) -> any Span {
        let span = startSpan("RunWorkflowTask \(workflowType)", context: RunTraceContext.decode(traceContext))
        span.updateAttributes { attributes in
            attributes["reprise.workflow.type"] = workflowType
            attributes["reprise.workflow.id"] = workflowId
            attributes["reprise.workflow.run_id"] = runId.uuidString.lowercased()
            attributes["reprise.namespace"] = namespace
        }
        return span
    }
}

extension ActivityTask {
    /// This attempt, carrying its run's trace context: set on attempts leased eagerly, which no
    /// poll read it for.
    func traced(_ context: String?) -> ActivityTask {
        var task = self
        task.traceContext = task.traceContext ?? context
        return task
    }
}
