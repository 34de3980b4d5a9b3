import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// The server's view of where live workers serve which workflow types, refreshed in the
/// background every ``APIServer/Configuration/liveWorkersRefresh``: a start checks it in memory,
/// so that the start path gains no query (docs/workers.md).
///
/// A start of a type that no live worker serves on its namespace and queue is still accepted
/// (workers come and go), and its answer carries a warning; so does `describe` of an open run.
/// Before the first refresh, and while refreshes fail, the view is unknown and nothing is warned:
/// a warning is only given when the server knows.
final class LiveWorkers: Sendable {
    private let served = Mutex<Set<ServedWorkflowType>?>(nil)

    /// Replaces the view with the database's.
    func refresh(store: Store) async throws {
        let fresh = try await store.servedWorkflowTypes()
        served.withLock { $0 = fresh }
    }

    /// Forgets the view, after a refresh failed: a stale view would warn wrongly for ever.
    func forget() {
        served.withLock { $0 = nil }
    }

    /// The warnings for a run of `workflowType` on `taskQueue` in `namespace`: none when a live
    /// worker serves it, or when the server does not know.
    func warnings(namespace: String, taskQueue: String, workflowType: String) -> [String] {
        let wanted = ServedWorkflowType(namespace: namespace, taskQueue: taskQueue, workflowType: workflowType)
        guard served.withLock({ $0.map { !$0.contains(wanted) } }) == true else { return [] }
        return [
            "no live worker serves workflow type \"\(workflowType)\" on task queue \"\(taskQueue)\" in namespace \"\(namespace)\": "
                + "the run waits until one does (see `reprise worker list`)"
        ]
    }

    /// The service that refreshes the view every `interval` until graceful shutdown. A refresh
    /// that takes longer than `timeout` is abandoned.
    func service(store: Store, interval: Duration, timeout: Duration, logger: Logger) -> some Service {
        LiveWorkersService(view: self, store: store, interval: interval, timeout: timeout, logger: logger)
    }
}

private struct LiveWorkersService: Service {
    let view: LiveWorkers
    let store: Store
    let interval: Duration
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await abandoning(after: timeout) { try await view.refresh(store: store) }
                } catch {
                    view.forget()
                    logger.debug("Live workers refresh failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
