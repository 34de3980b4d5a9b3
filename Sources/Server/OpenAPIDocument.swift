import Workflow

/// The OpenAPI 3.1 description of the API, served at `/openapi.json`. A test walks every operation
/// listed here against the running server, so the document cannot drift from the routes.
public enum OpenAPIDocument {
    /// One operation: method, path (OpenAPI `{param}` syntax), summary and the least role it needs
    /// (`any`: every valid token, a `metrics` one included).
    public struct Operation: Sendable {
        public var method: String
        public var path: String
        public var summary: String
        public var role: String?
        public var success: Int
    }

    public static let operations: [Operation] = [
        .init(method: "get", path: "/healthz", summary: "Liveness", role: nil, success: 200),
        .init(method: "get", path: "/readyz", summary: "Readiness: the database answers", role: nil, success: 200),
        .init(method: "get", path: "/metrics", summary: "Prometheus metrics (a metrics or admin token)", role: "metrics", success: 200),
        .init(method: "get", path: "/openapi.json", summary: "This document", role: nil, success: 200),
        .init(method: "get", path: "/api/v1/whoami", summary: "What the caller's token grants: role, namespace (null for every one) and whether the server checks tokens", role: "any", success: 200),
        .init(method: "post", path: "/api/v1/namespaces", summary: "Create a namespace", role: "admin", success: 201),
        .init(method: "get", path: "/api/v1/namespaces", summary: "List namespaces", role: "admin", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/tokens", summary: "Create a token (shown once); role reader, writer, operator, admin or metrics", role: "admin", success: 201),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows", summary: "Start a workflow (200 for an idempotent repeat); requestId (body, Request-Id header or ?requestId=) makes a repeat answer the first run; warnings name a type no live worker serves", role: "writer", success: 201),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/workflows", summary: "List runs newest first by status, type and query (a list filter: WorkflowId, WorkflowType, ExecutionStatus, StartTime, CloseTime and search attributes; 400 InvalidQuery names the position), paged (limit, pageToken → nextPageToken)", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}", summary: "Describe a run", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/history", summary: "A run's events, a page at a time (pageSize, pageToken → nextPageToken); wait=true long-polls; filter=close returns only the closing event", role: "reader", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/queries/{queryName}", summary: "Query a run (?runId= for a given one); the body is the arguments; answers {\"result\": …}", role: "reader", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/updates/{updateName}", summary: "Update a run: {\"args\"?,\"updateId\"?,\"waitForStage\"?} → {\"updateId\",\"stage\",\"result\"?,\"failure\"?}", role: "writer", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/signals/{signalName}", summary: "Signal a run; the body is the payload; a Request-Id header or ?requestId= delivers a repeat once", role: "writer", success: 202),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/signal-with-start", summary: "Signal the open run, or start one with the signal as its first event (201 when it started the run, 200 when it signalled one): type, signalName, signalInput, input, taskQueue, idReusePolicy, executionTimeout, searchAttributes, memo, requestId", role: "writer", success: 201),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/cancel", summary: "Request cancellation", role: "writer", success: 202),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/terminate", summary: "Terminate a run", role: "operator", success: 202),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/workflows/{workflowId}/resume", summary: "Resume a Paused run", role: "operator", success: 202),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/schedules", summary: "Create a schedule: scheduleId, spec (cron, interval, jitter, timezone, startAt, endAt), action (type, taskQueue, input), overlapPolicy, catchupWindow, paused, note", role: "writer", success: 201),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/schedules", summary: "List schedules by id (limit, pageToken → nextPageToken)", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}", summary: "Describe a schedule: spec, action, state, next action times, recent actions, running workflows", role: "reader", success: 200),
        .init(method: "delete", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}", summary: "Delete a schedule; its runs go on", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}/pause", summary: "Pause a schedule, with an optional note", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}/unpause", summary: "Unpause a schedule: it acts from its next tick", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}/trigger", summary: "Act on a schedule now, under its overlap policy", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/schedules/{scheduleId}/backfill", summary: "Act now on every tick in [startTime, endTime] (at most 1,000), under overlapPolicy or the schedule's", role: "operator", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/workers", summary: "List the live workers: identity, task queue, workflow and activity types, build, last heartbeat", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/dead-letters", summary: "List dead letters", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/dead-letters/{id}", summary: "Show a dead letter", role: "reader", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/dead-letters/{id}/retry", summary: "Retry with fresh attempts, optionally new input", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/dead-letters/{id}/fail", summary: "Fail the activity into the workflow", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/dead-letters/{id}/resolve", summary: "Complete the activity with a given result", role: "operator", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/webhooks/{source}", summary: "A provider's signed webhook (no token: a Stripe-Signature or X-Reprise-Signature header instead; docs/webhooks.md): stored once per event id and routed to a signal by the mapping file; 202 when it is dead-lettered", role: nil, success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/webhook-deliveries", summary: "List webhook deliveries, newest first (state=Delivered|DeadLettered, limit)", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/webhook-deliveries/{id}", summary: "Show a webhook delivery, with its payload", role: "reader", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/webhook-deliveries/{id}/retry", summary: "Route a dead-lettered webhook delivery again under the current mapping; 409 WebhookUnroutable when it still cannot be", role: "writer", success: 200),
        .init(method: "post", path: "/api/v1/namespaces/{ns}/llm/complete", summary: "A completion through the LLM gateway", role: "writer", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/llm/usage", summary: "LLM spending by model, day or run (?groupBy=)", role: "reader", success: 200),
        .init(method: "get", path: "/api/v1/namespaces/{ns}/llm/budgets", summary: "LLM budgets against their limits in the current period", role: "reader", success: 200),
    ]

    /// The document as JSON text.
    public static let json: String = {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            let parameters = operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment -> JSONValue in
                .object([
                    "name": .string(String(segment.dropFirst().dropLast())), "in": .string("path"), "required": .bool(true),
                    "schema": .object(["type": .string("string")]),
                ])
            }
            var entry: [String: JSONValue] = [
                "summary": .string(operation.summary),
                "parameters": .array(parameters),
                "responses": .object([
                    String(operation.success): .object(["description": .string("success")]),
                    "4XX": .object(["description": .string("{\"error\":{\"code\",\"message\"}}")]),
                ]),
            ]
            if let role = operation.role {
                entry["security"] = .array([.object(["bearer": .array([])])])
                entry["x-reprise-role"] = .string(role)
            }
            var item = paths[operation.path]?.objectValue ?? [:]
            item[operation.method] = .object(entry)
            paths[operation.path] = .object(item)
        }
        let document: JSONValue = .object([
            "openapi": .string("3.1.0"),
            "info": .object(["title": .string("Reprise"), "version": .string("1")]),
            "paths": .object(paths),
            "components": .object([
                "securitySchemes": .object(["bearer": .object(["type": .string("http"), "scheme": .string("bearer")])])
            ]),
        ])
        return document.compactDescription
    }()
}
