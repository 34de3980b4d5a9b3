import Foundation
import Hummingbird
import Store
import Workflow

extension API {
    /// A query's answer.
    struct QueryResponse: Encodable {
        var result: Payload
    }
}

extension APIServer {
    /// `POST …/workflows/{id}/queries/{name}`: asks a worker of the run's task queue, and waits
    /// for its answer at most ``Configuration/queryTimeout`` (docs/queries.md).
    func addQueryRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/namespaces/:namespace/workflows/:workflowId/queries/:queryName") { request, context in
            var request = request
            let (namespace, workflowId) = try workflowParameters(context)
            let name = try Self.pathParameter("queryName", in: context)
            try configuration.limits.checkIdentifier(name, field: "query name")
            try await authorize(request, namespace: namespace, needs: .reader)
            let args = try await JSONBody.payload(from: &request, limit: configuration.maxBodySize)
            try configuration.limits.checkPayload(args, field: "query arguments")
            let runId = try Self.runId(request)
            let timeout = configuration.queryTimeout
            let query = try await database { [store] in
                try await store.submitQuery(namespace: namespace, workflowId: workflowId, runId: runId, name: name, args: args, timeout: timeout)
            }
            let answer = try await queryWatch.watching(query.id) { wakeup -> QueryAnswer? in
                let deadline = ContinuousClock.now + timeout
                // Read once before the first wait: an answer may have come before the watch began.
                while ContinuousClock.now < deadline {
                    if let answer = try await database({ [store] in try await store.takeQueryAnswer(id: query.id, givingUp: false) }) {
                        return answer
                    }
                    // Rung by the answer's notification; the timeout is the fallback without one.
                    await wakeup.wait(timeout: min(deadline - ContinuousClock.now, .milliseconds(250)))
                }
                return try await database { [store] in try await store.takeQueryAnswer(id: query.id, givingUp: true) }
            }
            return try Self.queryResponse(answer, query: query, namespace: namespace, timeout: timeout)
        }
    }

    private static func queryResponse(_ answer: QueryAnswer?, query: SubmittedQuery, namespace: String, timeout: Duration) throws -> Response {
        switch answer?.outcome {
        case .answered(let result):
            return try JSONBody.response(API.QueryResponse(result: result))
        case .failed(let code, let message):
            // A failed query is the caller's to act on (Temporal's QueryFailed); a worker that
            // could not rebuild the run is not.
            let status: HTTPResponse.Status = code == "QueryWorkerFailed" ? .badGateway : .badRequest
            throw APIError(status, code: code, message)
        case nil:
            let seconds = timeout.seconds.formatted()
            let waited =
                answer?.claimed == true
                ? "a worker took the query but did not answer within \(seconds) s"
                : "no worker of task queue \(query.taskQueue) in namespace \(namespace) took the query within \(seconds) s; is one running (reprise worker list)?"
            throw APIError(.gatewayTimeout, code: "QueryTimedOut", waited)
        }
    }
}
