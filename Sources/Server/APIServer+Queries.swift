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
            let asked = try await ask(.query, namespace: namespace, workflowId: workflowId, runId: runId, name: name, args: args)
            switch asked.answer?.outcome {
            case .answered(let result):
                return try JSONBody.response(API.QueryResponse(result: result))
            case .failed(let code, let message):
                throw Self.queryFailure(code: code, message: message)
            case nil:
                throw queryTimedOut(asked, namespace: namespace)
            }
        }
    }

    /// What a worker of the run's queue answered, and where the question went.
    struct Asked: Sendable {
        var answer: QueryAnswer?
        var query: SubmittedQuery
    }

    /// Asks a worker of the run's queue a query (or an update's validation) and waits for its
    /// answer at most ``Configuration/queryTimeout``. A run that has not completed its first
    /// workflow task is asked again until then: its handlers are not registered yet.
    ///
    /// - Returns: the answer, nil when no worker answered in time.
    func ask(_ kind: QueryKind, namespace: String, workflowId: String, runId: UUID?, name: String, args: Payload) async throws -> Asked {
        let timeout = configuration.queryTimeout
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            let id = UUID()
            // Watched before the query exists, so its answer's notification cannot come first.
            let (query, answer) = try await queryWatch.watching(id.uuidString.lowercased()) { wakeup -> (SubmittedQuery, QueryAnswer?) in
                let query = try await database { [store] in
                    try await store.submitQuery(
                        id: id, namespace: namespace, workflowId: workflowId, runId: runId, kind: kind, name: name, args: args,
                        timeout: max(remaining, .zero))
                }
                while ContinuousClock.now < deadline {
                    // Rung by the answer's notification; the timeout is the fallback without one.
                    await wakeup.wait(timeout: min(deadline - ContinuousClock.now, .milliseconds(250)))
                    if let answer = try await database({ [store] in try await store.takeQueryAnswer(id: id, givingUp: false) }) {
                        return (query, answer)
                    }
                }
                return (query, try await database { [store] in try await store.takeQueryAnswer(id: id, givingUp: true) })
            }
            if case .failed(let code, _)? = answer?.outcome, code == QueryError.Code.notStarted.rawValue, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            return Asked(answer: answer, query: query)
        }
    }

    /// A failed query as the API answers it: the caller's to act on (Temporal's QueryFailed),
    /// except a worker that could not rebuild the run.
    static func queryFailure(code: String, message: String) -> APIError {
        switch code {
        case QueryError.Code.workerFailed.rawValue: APIError(.badGateway, code: code, message)
        case QueryError.Code.notStarted.rawValue: APIError(.gatewayTimeout, code: "QueryTimedOut", message)
        default: APIError(.badRequest, code: code, message)
        }
    }

    /// The 504 of a question no worker answered in time.
    func queryTimedOut(_ asked: Asked, namespace: String) -> APIError {
        let seconds = configuration.queryTimeout.seconds.formatted()
        let waited =
            asked.answer?.claimed == true
            ? "a worker took the request but did not answer within \(seconds) s"
            : "no worker of task queue \(asked.query.taskQueue) in namespace \(namespace) took the request within \(seconds) s; is one running (reprise worker list)?"
        return APIError(.gatewayTimeout, code: "QueryTimedOut", waited)
    }
}
