import Foundation
import HTTPTypes
import Hummingbird
import Store
import Tracing
import Workflow

extension APIServer {
    func addWorkflowRoutes(to router: Router<BasicRequestContext>) {
        let workflows = router.group("/api/v1/namespaces/:namespace/workflows")

        workflows.post { request, context in
            var request = request
            let namespace = try Self.pathParameter("namespace", in: context)
            // The start's own statement answers NamespaceNotFound: one round trip fewer per start.
            let identity = try await authorize(request, namespace: namespace, needs: .writer, namespaceCheckedByStore: true)
            let body = try await JSONBody.decode(API.StartRequest.self, from: &request, limit: configuration.maxBodySize)
            let checked = try startRequest(body, namespace: namespace, requestId: try Self.requestId(request, body: body.requestId))
            let update = try body.update.map { try checkedUpdate(name: $0.name, args: $0.args, updateId: $0.updateId) }
            // The run keeps this span's context: its workflow tasks and activities join its trace.
            let (start, result) = try await withSpan("StartWorkflow \(checked.workflowType)") { span in
                span.attributes["reprise.workflow.type"] = checked.workflowType
                span.attributes["reprise.workflow.id"] = checked.workflowId
                span.attributes["reprise.namespace"] = checked.namespace
                var start = checked
                start.traceContext = RunTraceContext.encode(span.context)
                let traced = start
                let result = try await database { [starter, clock] in try await starter.startWorkflow(traced, at: clock.now) }
                span.attributes["reprise.workflow.run_id"] = result.runId.uuidString.lowercased()
                return (traced, result)
            }
            if result.started {
                metrics.makeCounter(
                    descriptor: .init(namespace: "reprise", metricName: "workflows_started", unitName: "total", helpText: "Runs started"),
                    labels: [("namespace", namespace)]
                ).increment()
            }
            let warnings = liveWorkers.warnings(namespace: namespace, taskQueue: start.taskQueue, workflowType: start.workflowType)
            // Update-with-start: validated once the run's first workflow task has registered its handlers.
            var updated: API.UpdateResponse?
            if let update {
                updated = try await performUpdate(
                    update, namespace: namespace, workflowId: body.workflowId, runId: result.runId, wait: body.update?.waitForStage ?? .completed,
                    identity: identity)
            }
            return try JSONBody.response(
                API.StartResponse(workflowId: body.workflowId, runId: result.runId, warnings: warnings, update: updated),
                status: result.started ? .created : .ok)
        }

        workflows.get { request, context in
            let namespace = try Self.pathParameter("namespace", in: context)
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
            if let type = query["type"] { try configuration.limits.checkIdentifier(String(type), field: "type") }
            let (type, pageToken) = (query["type"].map(String.init), query["pageToken"].map(String.init))
            // An empty or blank query is no filter; a malformed one is a 400 naming its position.
            let listQuery = try query["query"].map(String.init).flatMap { text in
                text.allSatisfy(\.isWhitespace) ? nil : try ListQuery(parsing: text)
            }
            let page = try await database { [store] in
                try await store.listWorkflows(namespace: namespace, status: status, type: type, query: listQuery, limit: limit, pageToken: pageToken)
            }
            return try JSONBody.response(API.ListResponse(workflows: page.workflows, nextPageToken: page.nextPageToken))
        }

        workflows.get(":workflowId") { request, context in
            let (namespace, workflowId) = try workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let runId = try Self.runId(request)
            var description = try await database { [store] in try await store.describe(namespace: namespace, workflowId: workflowId, runId: runId) }
            if description.status.isOpen {
                description.warnings += liveWorkers.warnings(namespace: namespace, taskQueue: description.taskQueue, workflowType: description.type)
            }
            return try JSONBody.response(API.DescribeResponse(description))
        }

        workflows.get(":workflowId/history") { request, context in
            let (namespace, workflowId) = try workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .reader)
            let query = request.uri.queryParameters
            // A page token is the last event id of the page before: afterEventId under another name.
            let cursor = query["pageToken"] ?? query["afterEventId"]
            guard let after = Int64(cursor.map(String.init) ?? "0"), after >= 0 else {
                throw APIError.badRequest("afterEventId (or pageToken) must be a non-negative integer")
            }
            let pageSize = try Self.integer(
                query["pageSize"].map(String.init), name: "pageSize", in: 1...configuration.limits.maxHistoryPageSize,
                default: configuration.limits.maxHistoryPageSize)
            let wait = try Self.flag(query["wait"].map(String.init), name: "wait")
            let closeOnly: Bool
            switch query["filter"].map(String.init) {
            case nil: closeOnly = false
            case "close": closeOnly = true
            case let other?: throw APIError.badRequest("filter must be close (only the event that closed the run), got \(other.prefix(40))")
            }
            let runId = try Self.runId(request)
            let run = try await database { [store] in try await store.runStatus(namespace: namespace, workflowId: workflowId, runId: runId) }
            // One more than a page, to know whether another follows.
            @Sendable func read() async throws -> [HistoryEvent] {
                try await database { [store] in
                    if closeOnly { return try await store.closeEvent(runId: run.runId).map { [$0] } ?? [] }
                    return try await store.history(runId: run.runId, afterEventId: after, limit: pageSize + 1)
                }
            }
            var events = try await historyWatch.watching(run.runId, after: wait && run.status.isOpen ? after : nil) { wakeup in
                var events = try await read()
                guard wait, events.isEmpty, run.status.isOpen else { return events }
                let deadline = ContinuousClock.now + configuration.historyWaitTimeout
                while events.isEmpty && ContinuousClock.now < deadline {
                    // Rung by the run's close or its growth (HistoryWatch); the second is a fallback
                    // for a watch whose service is not running.
                    await wakeup.wait(timeout: min(deadline - ContinuousClock.now, .seconds(1)))
                    do {
                        events = try await read()
                    } catch where Store.isUnavailable(error) {
                        // Postgres restarting under a held long-poll: keep waiting, and read again
                        // once it is back, rather than answer 503 to a client that asked to wait;
                        // at the deadline it answers as any wait that saw nothing new, and the
                        // client asks again.
                        continue
                    }
                }
                return events
            }
            let more = events.count > pageSize
            if more { events.removeLast(events.count - pageSize) }
            return try JSONBody.response(
                API.HistoryPage(events: events, nextPageToken: more ? events.last.map { String($0.eventId) } : nil))
        }

        workflows.post(":workflowId/signals/:signalName") { request, context in
            var request = request
            let (namespace, workflowId) = try workflowParameters(context)
            let name = try Self.pathParameter("signalName", in: context)
            try configuration.limits.checkIdentifier(name, field: "signal name")
            let identity = try await authorize(request, namespace: namespace, needs: .writer)
            let payload = try await JSONBody.payload(from: &request, limit: configuration.maxBodySize)
            try configuration.limits.checkPayload(payload, field: "signal input")
            let (runId, requestId) = (try Self.runId(request), try Self.requestId(request))
            try await database { [store, clock] in
                try await store.signal(
                    namespace: namespace, workflowId: workflowId, runId: runId, name: name, input: payload, identity: identity,
                    requestId: requestId, at: clock.now)
            }
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/cancel") { request, context in
            let (namespace, workflowId) = try workflowParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .writer)
            let runId = try Self.runId(request)
            try await database { [store, clock] in
                try await store.requestCancel(namespace: namespace, workflowId: workflowId, runId: runId, identity: identity, at: clock.now)
            }
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/terminate") { request, context in
            var request = request
            let (namespace, workflowId) = try workflowParameters(context)
            let identity = try await authorize(request, namespace: namespace, needs: .operator)
            let body = try await JSONBody.decode(API.TerminateRequest.self, from: &request, limit: configuration.maxBodySize, allowEmpty: true)
            let runId = try Self.runId(request)
            try await database { [store, clock] in
                try await store.terminate(
                    namespace: namespace, workflowId: workflowId, runId: runId, reason: body.reason, identity: identity, at: clock.now)
            }
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }

        workflows.post(":workflowId/resume") { request, context in
            let (namespace, workflowId) = try workflowParameters(context)
            try await authorize(request, namespace: namespace, needs: .operator)
            let runId = try Self.runId(request)
            try await database { [store, clock] in try await store.resume(namespace: namespace, workflowId: workflowId, runId: runId, at: clock.now) }
            return try JSONBody.response(API.Accepted(), status: .accepted)
        }
    }

    /// A start request checked against the limits: identifiers, payloads and the timeout (the store
    /// checks the request id).
    func startRequest(_ body: API.StartRequest, namespace: String, requestId: String?) throws -> StartWorkflowRequest {
        let limits = configuration.limits
        let taskQueue = body.taskQueue ?? configuration.defaultTaskQueue
        try limits.checkIdentifier(body.workflowId, field: "workflowId")
        try limits.checkIdentifier(body.type, field: "type")
        try limits.checkIdentifier(taskQueue, field: "taskQueue")
        try limits.checkPayload(body.input, field: "input")
        try limits.checkPayload(body.searchAttributes, field: "searchAttributes")
        try limits.checkPayload(body.memo, field: "memo")
        return StartWorkflowRequest(
            namespace: namespace, workflowId: body.workflowId, workflowType: body.type, taskQueue: taskQueue, input: body.input,
            idReusePolicy: body.idReusePolicy ?? .allowDuplicate, idConflictPolicy: body.idConflictPolicy ?? .fail,
            executionTimeout: try body.executionTimeout.map { try limits.checkDuration(seconds: $0.seconds, field: "executionTimeout") },
            searchAttributes: body.searchAttributes, memo: body.memo, requestId: requestId)
    }

    static let requestIdHeader = HTTPField.Name("Request-Id")!

    /// A request's id, from the `Request-Id` header, the `requestId` query parameter or (for a
    /// start) the body; the store checks it. Two places that give different ids are refused.
    static func requestId(_ request: Request, body: String? = nil) throws -> String? {
        let given = [request.headers[requestIdHeader], request.uri.queryParameters["requestId"].map(String.init), body].compactMap { $0 }
        guard let first = given.first else { return nil }
        guard given.allSatisfy({ $0 == first }) else {
            throw APIError.badRequest("requestId is given more than once (Request-Id header, requestId parameter, body) with different values")
        }
        return first
    }

    /// The namespace and workflow id of a per-run route; the namespace is checked by ``authorize``.
    func workflowParameters(_ context: BasicRequestContext) throws -> (String, String) {
        let workflowId = try Self.pathParameter("workflowId", in: context)
        try configuration.limits.checkIdentifier(workflowId, field: "workflowId")
        return (try Self.pathParameter("namespace", in: context), workflowId)
    }

    static func runId(_ request: Request) throws -> UUID? {
        guard let text = request.uri.queryParameters["runId"] else { return nil }
        guard let runId = UUID(uuidString: String(text)) else { throw APIError.badRequest("runId must be a UUID") }
        return runId
    }

    static func limit(_ text: String?) throws -> Int {
        try integer(text, name: "limit", in: 1...1000, default: 100)
    }

    static func integer(_ text: String?, name: String, in range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }
}
