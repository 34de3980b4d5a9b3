import Foundation
import PostgresNIO

/// What a worker announces with each heartbeat: who it is, where it polls, what it runs.
public struct WorkerHeartbeat: Sendable, Equatable {
    /// The worker's identity, as history records it.
    public var identity: String
    /// The namespaces it serves.
    public var namespaces: [String]
    /// The task queue it polls.
    public var taskQueue: String
    /// The workflow types it registered, sorted.
    public var workflowTypes: [String]
    /// The activity types it registered, sorted.
    public var activityTypes: [String]
    /// The build it runs: a version string it was given, or Reprise's.
    public var build: String

    public init(identity: String, namespaces: [String], taskQueue: String, workflowTypes: [String], activityTypes: [String], build: String) {
        self.identity = identity
        self.namespaces = namespaces
        self.taskQueue = taskQueue
        self.workflowTypes = workflowTypes
        self.activityTypes = activityTypes
        self.build = build
    }
}

/// A live worker of a namespace, as its last heartbeat left it.
public struct LiveWorker: Sendable, Equatable {
    public var identity: String
    public var namespace: String
    public var taskQueue: String
    public var workflowTypes: [String]
    public var activityTypes: [String]
    public var build: String
    /// When its first heartbeat in this namespace was written.
    public var startedAt: Date
    /// Its last heartbeat.
    public var lastSeen: Date
    /// When it stops counting as live unless it beats again.
    public var expiresAt: Date
}

/// Where a live worker serves a workflow type: its namespace and task queue.
public struct ServedWorkflowType: Sendable, Hashable {
    public var namespace: String
    public var taskQueue: String
    public var workflowType: String

    public init(namespace: String, taskQueue: String, workflowType: String) {
        self.namespace = namespace
        self.taskQueue = taskQueue
        self.workflowType = workflowType
    }
}

/// Worker heartbeats (docs/workers.md): the statements are `WorkerHeartbeatsTable`'s; every time
/// is the database's.
extension Store {
    /// The most workers a listing returns.
    public static let maxListedWorkers = 1000
    /// The longest identity and build a heartbeat takes, in bytes.
    public static let maxWorkerLabelBytes = 200

    /// Records a heartbeat: the worker is live, with what it announces, for `liveFor` from now;
    /// and deletes other workers' expired rows in its namespaces.
    ///
    /// - Throws: ``StoreError`` `InvalidArgument` when `liveFor` is not positive, the worker serves
    ///   no namespace, or its identity or build is empty or longer than ``maxWorkerLabelBytes``.
    public func recordWorkerHeartbeat(_ heartbeat: WorkerHeartbeat, liveFor: Duration) async throws {
        for (label, value) in [("identity", heartbeat.identity), ("build", heartbeat.build)]
        where !(1...Self.maxWorkerLabelBytes).contains(value.utf8.count) {
            throw StoreError(.invalidArgument, "a worker's \(label) must have 1 to \(Self.maxWorkerLabelBytes) bytes, got \(value.utf8.count)")
        }
        guard liveFor > .zero else { throw StoreError(.invalidArgument, "a worker heartbeat's liveness window must be positive, got \(liveFor)") }
        guard !heartbeat.namespaces.isEmpty else { throw StoreError(.invalidArgument, "a worker heartbeat must name at least one namespace") }
        let beat = WorkerHeartbeatsTable.Beat(heartbeat: heartbeat, liveForSeconds: liveFor.seconds)
        for try await _ in try await pool.execute(beat, logger: logger) {}
    }

    /// Deletes a worker's heartbeat rows, for a worker that stops: it leaves the list at once.
    public func removeWorkerHeartbeat(_ heartbeat: WorkerHeartbeat) async throws {
        for try await _ in try await pool.execute(WorkerHeartbeatsTable.Remove(heartbeat: heartbeat), logger: logger) {}
    }

    /// The live workers of a namespace, by task queue and identity, at most ``maxListedWorkers``.
    public func liveWorkers(namespace: String) async throws -> [LiveWorker] {
        var workers: [LiveWorker] = []
        let list = WorkerHeartbeatsTable.ListLive(namespace: namespace, limit: Int64(Self.maxListedWorkers))
        for try await worker in try await pool.execute(list, logger: logger) { workers.append(worker) }
        return workers
    }

    /// Where live workers serve which workflow types, across every namespace.
    public func servedWorkflowTypes() async throws -> Set<ServedWorkflowType> {
        var served: Set<ServedWorkflowType> = []
        for try await (namespace, queue, types) in try await pool.execute(WorkerHeartbeatsTable.ServedWorkflowTypes(), logger: logger) {
            for type in types { served.insert(ServedWorkflowType(namespace: namespace, taskQueue: queue, workflowType: type)) }
        }
        return served
    }
}
