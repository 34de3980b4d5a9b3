import Foundation
import Activities
import Gateway
import Hummingbird
import HummingbirdTesting
import Prometheus
import Server
import Store
import Testing
import TestSupport
import Workflow

/// Runs the API in front of a gateway, over real HTTP, and hands `body` a POST to a namespace's
/// `llm/complete` that answers the status and the JSON body.
func withLLMEndpoint(
    gateway: Gateway, store: Store,
    _ body: @escaping @Sendable (_ post: @Sendable (String, String) async throws -> (HTTPResponse.Status, JSONValue)) async throws -> Void
) async throws {
    let api = APIServer(
        store: store, configuration: .init(insecure: true), metrics: PrometheusCollectorRegistry(), gateway: gateway, logger: store.logger)
    let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        try await body { namespace, json in
            let reply = try await client.execute(
                uri: "/api/v1/namespaces/\(namespace)/llm/complete", method: .post, body: ByteBuffer(string: json))
            return (reply.status, (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: reply.body))) ?? .null)
        }
    }
}

@Suite("LLM gateway: the tenant is the caller's namespace")
struct TenancyTests {
    @Test func aCallerInOneNamespaceCannotSpendAnothersBudgetNorReadItsCachedAnswers() async throws {
        // Every answer is different, so a cached one is recognisable.
        let provider = StandInProvider { _, index in .init(body: StandInProvider.anthropic(text: "answer \(index)", input: 10, output: 5)) }
        try await withGateway(provider: provider) { gateway, store in
            try await store.createNamespace("acme")
            try await store.createNamespace("rival")
            try await gateway.setBudget(namespace: "acme", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: 1)
            let question = #""taskClass":"icp_score","messages":[{"role":"user","content":"score ACME's lead"}],"temperature":0"#
            try await withLLMEndpoint(gateway: gateway, store: store) { post in
                let (status, first) = try await post("acme", "{\(question)}")
                #expect(status == .ok && first["cacheHit"] == .bool(false))

                // rival names acme as its tenant: refused before anything is read, reserved or sent.
                let (refusedStatus, refused) = try await post("rival", #"{\#(question),"tenant":"acme"}"#)
                #expect(refusedStatus == .forbidden)
                #expect(refused["error"]?["code"] == .string(LLMFailure.tenantMismatch))
                #expect(refused["content"] == nil, "acme's cached answer is not served to rival")
                #expect(provider.requests.count == 1)

                // rival asks the same question as itself: a miss, answered and cached for rival alone.
                let (ownStatus, own) = try await post("rival", "{\(question)}")
                #expect(ownStatus == .ok && own["cacheHit"] == .bool(false) && own["content"] == .string("answer 1"))
                let (_, again) = try await post("acme", #"{\#(question),"tenant":"acme"}"#)
                #expect(again["cacheHit"] == .bool(true) && again["content"] == first["content"], "a tenant equal to the namespace is accepted")
                #expect(provider.requests.count == 2)
            }
            var ledger: [String] = []
            for try await (namespace, tenant, outcome) in try await store.client.query(
                "SELECT namespace, tenant, outcome FROM reprise.llm_ledger ORDER BY id"
            ).decode((String, String, String).self) {
                ledger.append("\(namespace)/\(tenant)/\(outcome)")
            }
            #expect(ledger == ["acme/acme/ok", "rival/rival/ok", "acme/acme/cache_hit"], "each ledger row carries its caller's namespace")
            var spent: [String: Int64] = [:]
            for try await (namespace, nanos) in try await store.client.query(
                "SELECT namespace, usd_used_nanos FROM reprise.llm_budget_usage WHERE period = 'day'"
            ).decode((String, Int64).self) {
                spent[namespace] = nanos
            }
            // 10×$1 + 5×$5 per million tokens = 35 micro-USD: acme's one call, nothing of rival's.
            #expect(spent == ["acme": 35_000])
        }
    }

    @Test func theActivityChargesTheRunsNamespaceAndRefusesAnotherTenant() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(text: "ok", input: 10, output: 5)) }
        try await withGateway(provider: provider) { gateway, store in
            let context = ActivityContext(
                info: .init(
                    namespace: "rival", workflowId: "lead-1", runId: "run-1", workflowType: "LeadNurture", activityId: "4",
                    activityType: LLMComplete.name, taskQueue: "main", attempt: 1),
                logger: store.logger, heartbeat: { _ in })
            let activity = LLMComplete(gateway: gateway)
            let refused = await #expect(throws: ApplicationFailure.self) {
                try await ActivityContext.$current.withValue(context) {
                    try await activity.run(input: LLMRequest(taskClass: "icp_score", messages: [message("x")], tenant: "acme"))
                }
            }
            #expect(refused?.type == LLMFailure.tenantMismatch && refused?.nonRetryable == true)
            #expect(provider.requests.isEmpty)
            _ = try await ActivityContext.$current.withValue(context) {
                try await activity.run(input: LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off"))
            }
            var namespaces: [String] = []
            for try await namespace in try await store.client.query("SELECT namespace FROM reprise.llm_ledger").decode(String.self) {
                namespaces.append(namespace)
            }
            #expect(namespaces == ["rival"])
        }
    }

    @Test func metricsCarryNoCallerChosenLabel() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 10, output: 5)) }
        let registry = PrometheusCollectorRegistry()
        try await withGateway(provider: provider, metricsFactory: PrometheusMetricsFactory(registry: registry)) { gateway, _ in
            let caller = LLMCaller(namespace: "customer-secret-7", runId: "run-secret-7")
            _ = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off"), caller: caller)
            _ = try? await gateway.complete(
                LLMRequest(taskClass: "icp_score", messages: [message("x")], tenant: "chosen-by-caller"), caller: caller)
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            let text = String(decoding: buffer, as: UTF8.self)
            #expect(text.contains(#"reprise_llm_calls_total{model="claude-haiku-4-5",outcome="ok"} 1"#))
            #expect(text.contains(#"reprise_llm_tokens_total{model="claude-haiku-4-5",kind="input"} 10"#))
            #expect(!text.contains("secret") && !text.contains("chosen-by-caller") && !text.contains("tenant"), "\(text)")
        }
    }
}
