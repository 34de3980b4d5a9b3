import Foundation
import Hummingbird
import Store
import Workflow

extension APIServer {
    func addWorkflowRoutes(to router: Router<BasicRequestContext>) {
        let workflows = router.group("/api/v1/namespaces/:namespace/workflows")

        workflows.post { request, context in
            var request = request
            let namespace = try context.parameters.require("namespace")
            // The start's own statement answers NamespaceNotFound: one round trip fewer per start.
            try await authorize(request, namespace: namespace, needs: .writer, namespaceCheckedByStore: true)
            let body = try await JSONBody.decode(API.StartRequest.self, from: &request, limit: configuration.maxBodySize)
            let result = try await starter.startWorkflow(
                StartWorkflowRequest(
                    namespace: namespace, workflowId: body.workflowId, workflowType: body.type,
                    taskQueue: body.taskQueue ?? configuration.defaultTaskQueue, input: body.input,
                    idReusePolicy: body.idReusePolicy ?? .allowDuplicate, idConflictPolicy: body.idConflictPolicy ?? .fail,
                    executionTimeout: body.executionTimeout?.duration, searchAttributes: body.searchAttributes, memo: body.memo),
                at: clock.now)
            if result.started {
                metrics.makeCounter(
                    descriptor: .init(namespace: "reprise", metricName: "workflows_started", unitName: "total", helpText: "Runs started"),
                    labels: [("namespace", namespace)]
                ).increment()
            }
            return try JSONBody.response(
                API.StartResponse(workflowId: body.workflowId, runId: result.runId), status: result.started ? .created : .ok)
        }

        workflows.get { request, context in
            let namespace = try context.parameters.require("namespace")
            try await authorize(request, namespace: namespace, needs: .reader)
            let query = request.uri.queryParameters
            let status = try query["status"].map { text in
                guard let status = WorkflowStatus(rawValue: String(text)) else {
                    throw APIError.badRequest(
                        "status must be one of \(WorkflowStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            let page = try await store.listWorkflows(
                namespace: namespace, status: status, type: query["type"].map(String.init), limit: limit,
                pageToken: query["pageToken"].map(String.init))
            return try JSONBody.response(API.ListResponse(workflows: page.workflows, nextPageToken: page.nextPageToken))
        }

        workflows.get(":workflowId") { request, context in
            let (namespace, workflowId) = try Self.workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let description = try await store.describe(namespace: namespace, workflowId: workflowId, runId: try Self.runId(request))
            return try JSONBody.response(API.DescribeResponse(description))
        }

        workflows.get(":workflowId/history") { request, context in
            let (namespace, workflowId) = try Self.workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let query = request.uri.queryParameters
            guard let after = Int64(query["afterEventId"].map(String.init) ?? "0"), after >= 0 else {
                throw APIError.badRequest("afterEventId must be a non-negative integer")
            }
            let wait = try Self.flag(query["wait"].map(String.init), name: "wait")
            let closeOnly: Bool
            switch query["filter"].map(String.init) {
            case nil: closeOnly = false
            case "close": closeOnly = true
            case let other?: throw APIError.badRequest("filter must be close (only the event that closed the run), got \(other)")
            }
            let run = try await store.runStatus(namespace: namespace, workflowId: workflowId, runId: try Self.runId(request))
            @Sendable func read() async throws -> [HistoryEvent] {
                if closeOnly { return try await store.closeEvent(runId: run.runId).map { [$0] } ?? [] }
                return try await store.history(runId: run.runId, afterEventId: after)
            }
            let events = try await closedRuns.watching(run.runId) { closed in
                var events = try await read()
                guard wait, events.isEmpty, run.status.isOpen else { return events }
                let deadline = ContinuousClock.now + configuration.historyWaitTimeout
                // Polls soon after the last events, when the next ones are most likely, then every
                // 20 ms; the run's close rings at once.
                var interval = Duration.milliseconds(1)
                while events.isEmpty && ContinuousClock.now < deadline {
                    await closed.wait(timeout: interval)
                    interval = min(interval * 2, .milliseconds(20))
                    events = try await read()
                }
                return events
            }
            return try JSONBody.response(History(events: events))
        }

        workflows.post(":workflowId/signals/:signalName") { request, context in
            var request = request
            let (namespace, workflowId) = try Self.workflowParameters(context)
            let name = try context.parameters.require("signalName")
            let identity = try await authorize(request, namespace: namespace, needs: .writer)
            let payload = try await JSONBody.payload(from: &request, limit: configuration.maxBodySize)
            try await store.signal(
                namespace: namespace, workflowId: workflowId, runId: try Self.runId(request), name: name, input: payload, identity: identity,
                at: clock.now)
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/cancel") { request, context in
            let (namespace, workflowId) = try Self.workflowParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .writer)
            try await store.requestCancel(
                namespace: namespace, workflowId: workflowId, runId: try Self.runId(request), identity: identity, at: clock.now)
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/terminate") { request, context in
            var request = request
            let (namespace, workflowId) = try Self.workflowParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .operator)
            let body = try await JSONBody.decode(API.TerminateRequest.self, from: &request, limit: configuration.maxBodySize, allowEmpty: true)
            try await store.terminate(
                namespace: namespace, workflowId: workflowId, runId: try Self.runId(request), reason: body.reason, identity: identity,
                at: clock.now)
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/resume") { request, context in
            let (namespace, workflowId) = try Self.workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .operator)
            try await store.resume(namespace: namespace, workflowId: workflowId, runId: try Self.runId(request), at: clock.now)
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }
    }

    static func workflowParameters(_ context: BasicRequestContext) throws -> (String, String) {
        (try context.parameters.require("namespace"), try context.parameters.require("workflowId"))
    }

    static func runId(_ request: Request) throws -> UUID? {
        guard let text = request.uri.queryParameters["runId"] else { return nil }
        guard let runId = UUID(uuidString: String(text)) else { throw APIError.badRequest("runId must be a UUID") }
        return runId
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 100 }
        guard let limit = Int(text), (1...1000).contains(limit) else { throw APIError.badRequest("limit must be an integer from 1 to 1000") }
        return limit
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }
}
