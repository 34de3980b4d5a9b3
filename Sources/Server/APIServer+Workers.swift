import Foundation
import Hummingbird
import Store

extension APIServer {
    /// `GET /api/v1/namespaces/{ns}/workers`: the namespace's live workers (docs/workers.md). A
    /// reader may list them; a worker of another namespace is never shown.
    func addWorkerRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v1/namespaces/:namespace/workers") { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let workers = try await database { [store] in try await store.liveWorkers(namespace: namespace) }
            return try JSONBody.response(API.WorkersResponse(workers: workers.map(API.WorkerBody.init)))
        }
    }
}

extension API {
    /// A live worker: what its last heartbeat announced.
    struct WorkerBody: Encodable {
        var identity: String
        var namespace: String
        var taskQueue: String
        var workflowTypes: [String]
        var activityTypes: [String]
        var build: String
        var startedAt: Date
        var lastSeen: Date
        var expiresAt: Date

        init(_ worker: LiveWorker) {
            identity = worker.identity
            namespace = worker.namespace
            taskQueue = worker.taskQueue
            workflowTypes = worker.workflowTypes
            activityTypes = worker.activityTypes
            build = worker.build
            startedAt = worker.startedAt
            lastSeen = worker.lastSeen
            expiresAt = worker.expiresAt
        }
    }

    struct WorkersResponse: Encodable {
        var workers: [WorkerBody]
    }
}
