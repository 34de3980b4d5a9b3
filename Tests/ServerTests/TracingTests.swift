import AsyncHTTPClient
import Foundation
import InMemoryTracing
import RepriseTesting
import Testing
import TestSupport
import Tracing
import Workflow

/// Calls a URL: an activity whose outgoing HTTP call is traced (AsyncHTTPClient's client span).
struct Fetch: Activity {
    let client: HTTPClient
    func run(input: String) async throws -> String {
        var request = HTTPClientRequest(url: input)
        request.method = .POST
        request.body = .bytes(.init(string: "{}"))
        let response = try await client.execute(request, timeout: .seconds(10))
        return "\(response.status.code)"
    }
}

/// Fetches its input URL once.
struct Fetcher: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.execute(Fetch.self, input, options: ActivityOptions(startToCloseTimeout: .seconds(10)))
    }
}

/// Runs a `Fetcher` as its child: the child's tasks are traced in the parent's trace.
struct FetcherParent: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        try await context.executeChild(Fetcher.self, input)
    }
}

@Suite("Tracing from the API start to the outgoing call")
struct TracingTests {
    @Test(.timeLimit(.minutes(2))) func aStartTracesItsRequestWorkflowTaskActivityAndOutgoingCall() async throws {
        let tracer = TestObservability.tracer
        let target = StandInProvider(paths: ["/echo"]) { _, _ in .init(body: .object(["ok": .bool(true)])) }
        // Made after the tracer is bootstrapped: AsyncHTTPClient takes the tracer it finds then.
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.shutdown().wait() }
        try await target.run {
            try await APIHarness.run(workflows: [Fetcher.self], activities: [Fetch(client: client)]) { api in
                let workflowId = "traced-\(UUID().uuidString.prefix(8))"
                let started = try await api.send(
                    .post, "/api/v1/namespaces/default/workflows",
                    body: #"{"workflowId":"\#(workflowId)","type":"Fetcher","input":"\#(target.baseURL)/echo"}"#)
                #expect(started.status == 201, "\(started.text)")
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    let described = try await api.send(.get, "/api/v1/namespaces/default/workflows/\(workflowId)")
                    if described.json["status"] == .string("Completed") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                // The workflow task after the activity may still be ending its span.
                try await Task.sleep(for: .milliseconds(200))
                let spans = tracer.finishedSpans
                let start = try #require(
                    spans.first { $0.operationName == "StartWorkflow Fetcher" && $0.attributes["reprise.workflow.id"]?.toSpanAttribute() == .string(workflowId) })
                let trace = spans.filter { $0.traceID == start.traceID }
                func named(_ name: String) -> [FinishedInMemorySpan] { trace.filter { $0.operationName == name } }

                let request = try #require(trace.first { $0.spanID == start.parentSpanID }, "StartWorkflow's parent is the request's span")
                #expect(request.kind == .server && request.operationName == "/api/v1/namespaces/{namespace}/workflows")
                let tasks = named("RunWorkflowTask Fetcher")
                #expect(tasks.count >= 2, "the first task and the one after the activity: \(trace.map(\.operationName))")
                #expect(tasks.allSatisfy { $0.parentSpanID == start.spanID }, "a workflow task joins the start's trace from the stored context")
                let activity = try #require(named("RunActivity Fetch").first)
                #expect(activity.parentSpanID == start.spanID)
                let call = try #require(trace.first { $0.kind == .client && $0.parentSpanID == activity.spanID }, "the activity's HTTP call")
                #expect(call.operationName == "POST")

                // The call carried the context: the stand-in saw the activity's trace.
                let headers = try #require(target.requests.first?.headers)
                #expect(headers[InMemoryTracer.traceIDKey] == start.traceID)
                #expect(headers[InMemoryTracer.spanIDKey] == call.spanID)
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func aChildsTasksAndActivitiesJoinItsParentsTrace() async throws {
        let tracer = TestObservability.tracer
        let target = StandInProvider(paths: ["/echo"]) { _, _ in .init(body: .object(["ok": .bool(true)])) }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.shutdown().wait() }
        try await target.run {
            try await APIHarness.run(workflows: [FetcherParent.self, Fetcher.self], activities: [Fetch(client: client)]) { api in
                let workflowId = "traced-parent-\(UUID().uuidString.prefix(8))"
                let started = try await api.send(
                    .post, "/api/v1/namespaces/default/workflows",
                    body: #"{"workflowId":"\#(workflowId)","type":"FetcherParent","input":"\#(target.baseURL)/echo"}"#)
                #expect(started.status == 201, "\(started.text)")
                try await api.env.waitUntil("the parent completes") { try await api.env.describe(workflowId).status == .completed }
                try await Task.sleep(for: .milliseconds(200))
                let spans = tracer.finishedSpans
                let start = try #require(
                    spans.first { $0.operationName == "StartWorkflow FetcherParent" && $0.attributes["reprise.workflow.id"]?.toSpanAttribute() == .string(workflowId) })
                let trace = spans.filter { $0.traceID == start.traceID }
                let childTasks = trace.filter { $0.operationName == "RunWorkflowTask Fetcher" }
                #expect(!childTasks.isEmpty, "the child's tasks are in the parent's trace: \(trace.map(\.operationName))")
                #expect(childTasks.allSatisfy { $0.parentSpanID == start.spanID })
                #expect(trace.contains { $0.operationName == "RunActivity Fetch" }, "and so is the child's activity")
            }
        }
    }
}
