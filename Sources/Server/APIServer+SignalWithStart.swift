import Foundation
import Hummingbird
import Store
import Workflow

extension API {
    /// `POST …/workflows/{id}/signal-with-start`: the start fields (the workflow id is the path's)
    /// and the signal. No id-conflict policy: an open run is always signalled.
    struct SignalWithStartRequest: Decodable {
        var type: String
        var signalName: String
        var signalInput: Payload?
        var taskQueue: String?
        var input: Payload?
        var idReusePolicy: WorkflowIdReusePolicy?
        var executionTimeout: DurationValue?
        var searchAttributes: Payload?
        var memo: Payload?
        var requestId: String?

        func start(workflowId: String) -> StartRequest {
            StartRequest(
                workflowId: workflowId, type: type, taskQueue: taskQueue, input: input, idReusePolicy: idReusePolicy, idConflictPolicy: nil,
                executionTimeout: executionTimeout, searchAttributes: searchAttributes, memo: memo, requestId: requestId)
        }
    }

    struct SignalWithStartResponse: Encodable {
        var workflowId: String
        var runId: UUID
        /// Whether this call started the run (else it signalled the open one).
        var started: Bool
        var warnings: [String]
    }
}

extension APIServer {
    func addSignalWithStartRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces/:namespace/workflows/:workflowId/signal-with-start") { request, context in
            var request = request
            let (namespace, workflowId) = try workflowParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .writer, namespaceCheckedByStore: true)
            let body = try await JSONBody.decode(API.SignalWithStartRequest.self, from: &request, limit: configuration.maxBodySize)
            try configuration.limits.checkIdentifier(body.signalName, field: "signalName")
            try configuration.limits.checkPayload(body.signalInput, field: "signalInput")
            let start = try startRequest(
                body.start(workflowId: workflowId), namespace: namespace, requestId: try Self.requestId(request, body: body.requestId))
            let signal = SignalRequest(name: body.signalName, input: body.signalInput, identity: identity)
            let result = try await database { [store, clock] in try await store.signalWithStart(start, signal: signal, at: clock.now) }
            let warnings = liveWorkers.warnings(namespace: namespace, taskQueue: start.taskQueue, workflowType: start.workflowType)
            return try JSONBody.response(
                API.SignalWithStartResponse(workflowId: workflowId, runId: result.runId, started: result.started, warnings: warnings),
                status: result.started ? .created : .ok)
        }
    }
}
