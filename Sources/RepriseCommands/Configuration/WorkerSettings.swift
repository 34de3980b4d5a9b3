import Store
import Workers

/// How a worker polls and runs: slots, the run cache, leases, polls and shutdown. `reprise worker`
/// has them all; `reprise dev` all but the namespaces (its worker serves `default`).
enum WorkerSettings {
    static func settings(namespaces: Bool) -> [Setting<Worker.Configuration>] {
        var settings: [Setting<Worker.Configuration>] = [
            .text("worker.taskQueue", \.taskQueue, form: "identifier", "The task queue the worker polls.", check: { try checkIdentifier($0, key: "worker.taskQueue") })
        ]
        if namespaces {
            settings.append(.list("worker.namespaces", \.namespaces, "The namespaces whose tasks the worker takes.", check: { names in
                do { return try WorkerCommand.served(names) } catch {
                    throw ConfigurationError.invalidValue(key: "worker.namespaces", value: names.joined(separator: ","), expected: "identifiers: \(error)")
                }
            }))
        }
        return settings + [
                .int("worker.activitySlots", \.maxConcurrentActivities, in: 1...100_000, "Activity attempts in flight at once."),
                .int("worker.workflowTaskSlots", \.maxConcurrentWorkflowTasks, in: 1...10_000, "Workflow tasks in flight at once."),
                .int("worker.runCacheSize", \.runCacheSize, in: 1...1_000_000, "Runs kept in memory between workflow tasks."),
                .duration(
                    "worker.workflowTaskLease", \.workflowTaskLease, in: .seconds(1)...(.seconds(3600)),
                    "How long a workflow task's lease lasts before another worker may take it."),
                .duration("worker.pollInterval", \.pollInterval, in: .milliseconds(10)...(.seconds(3600)), "The slow poll used when no notification arrives."),
                .duration(
                    "worker.shutdownGrace", \.gracefulShutdownTimeout, in: .zero...(.seconds(86_400)),
                    "How long a graceful shutdown waits for running activities before releasing them."),
                .duration(
                    "worker.heartbeatThrottle", \.heartbeatThrottle, in: .zero...(.seconds(3600)),
                    "The least time between two heartbeats written for one attempt."),
                .duration(
                    "worker.stuckTaskWarning", \.stuckWorkflowTaskThreshold, in: .milliseconds(100)...(.seconds(3600)),
                    "How long a workflow task may run before the watchdog logs it as stuck."),
                .int("worker.maxWorkflowTaskAttempts", \.maxWorkflowTaskAttempts, in: 1...1000, "Failed attempts of a workflow task before its run is Paused."),
                .duration(
                    "worker.maxWorkflowTaskRetryDelay", \.maxWorkflowTaskRetryDelay, in: .seconds(1)...(.seconds(86_400)),
                    "The cap on the delay between failed workflow-task attempts."),
                .text(
                    "worker.build", \.build, form: "1–\(Store.maxWorkerLabelBytes) bytes", "The build the worker announces in `reprise worker list`.",
                    check: { try checkLabel($0, key: "worker.build") }),
                .text(
                    "worker.identity", \.identity, form: "1–\(Store.maxWorkerLabelBytes) bytes", "The worker's identity in history (default host:pid).",
                    check: { try checkLabel($0, key: "worker.identity") }),
            ]
    }

    private static func checkLabel(_ value: String, key: String) throws {
        guard (1...Store.maxWorkerLabelBytes).contains(value.utf8.count) else {
            throw ConfigurationError.invalidValue(key: key, value: value, expected: "1 to \(Store.maxWorkerLabelBytes) bytes")
        }
    }
}
