import Foundation
import Store

/// The worker's heartbeat (docs/workers.md): every ``Worker/Configuration/workerHeartbeatInterval``
/// it writes who it is, where it polls and what it runs, live for
/// ``Worker/Configuration/workerLiveness``. `reprise worker list` shows it while it is live, and a
/// server warns about starts of a type no live worker serves.
extension Worker {
    /// What the worker announces.
    var announcement: WorkerHeartbeat {
        WorkerHeartbeat(
            identity: configuration.identity, namespaces: configuration.namespaces, taskQueue: configuration.taskQueue,
            workflowTypes: workflowTypes, activityTypes: activityTypes, build: configuration.build)
    }

    /// Announces the worker until the task is canceled. A heartbeat that fails is logged and the
    /// next one tries again: the worker keeps working whatever its heartbeats do.
    func announce() async {
        let announcement = self.announcement
        while !Task.isCancelled {
            do {
                try await abandoning(after: configuration.databaseCallTimeout) {
                    try await self.store.recordWorkerHeartbeat(announcement, liveFor: self.configuration.workerLiveness)
                }
            } catch where !Task.isCancelled {
                logger.warning("Worker heartbeat failed", metadata: ["error": "\(String(reflecting: error))"])
            } catch {}
            try? await Task.sleep(for: configuration.workerHeartbeatInterval)
        }
    }

    /// Takes the worker off the list, for a graceful stop; if that fails, its rows expire.
    func withdraw() async {
        do {
            let announcement = self.announcement
            try await abandoning(after: configuration.databaseCallTimeout) { try await self.store.removeWorkerHeartbeat(announcement) }
        } catch {
            logger.debug("Could not withdraw the worker's heartbeat", metadata: ["error": "\(String(reflecting: error))"])
        }
    }
}
