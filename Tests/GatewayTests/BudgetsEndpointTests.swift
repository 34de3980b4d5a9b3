import Foundation
import Gateway
import Hummingbird
import HummingbirdTesting
import Prometheus
import Server
import Store
import Testing
import TestSupport
import Workflow

@Suite("LLM budgets endpoint")
struct BudgetsEndpointTests {
    @Test func budgetsShowTheirLimitsAndThisPeriodsUse() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(text: "interested", input: 40, output: 4)) }
        try await withGateway(provider: provider) { gateway, store in
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: 2)
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "month", maxTokens: 1000, maxUSD: nil)
            try await gateway.setBudget(namespace: "default", model: "gpt-test", period: "day", maxTokens: 50, maxUSD: nil)
            // Another namespace's budget is not this namespace's to see.
            try await store.createNamespace("other")
            try await gateway.setBudget(namespace: "other", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: 9)
            let api = APIServer(
                store: store, configuration: .init(insecure: true), metrics: PrometheusCollectorRegistry(), gateway: gateway,
                logger: store.logger)
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let body = #"{"taskClass":"reply_intent","system":"Classify.","messages":[{"role":"user","content":"Sounds good"}],"cache":"off"}"#
                let reply = try await client.execute(uri: "/api/v1/namespaces/default/llm/complete", method: .post, body: ByteBuffer(string: body))
                #expect(reply.status == .ok)

                let answer = try await client.execute(uri: "/api/v1/namespaces/default/llm/budgets", method: .get)
                #expect(answer.status == .ok)
                let budgets = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: answer.body))["budgets"]?.arrayValue ?? []
                #expect(budgets.map { "\(text($0["model"]))/\(text($0["period"]))" }
                    == ["claude-haiku-4-5/day", "claude-haiku-4-5/month", "gpt-test/day"])
                let (day, month, unused) = (budgets[0], budgets[1], budgets[2])
                #expect(day["maxUSD"] == .int(2))
                #expect(day["maxTokens"] == nil || day["maxTokens"] == .null)
                // 40×1 + 4×5 = 60 micro-USD, settled; nothing is in flight.
                #expect(day["usdUsed"] == .double(0.00006))
                #expect(day["usdHeld"] == .int(0))
                #expect(month["maxTokens"] == .int(1000))
                #expect(month["tokensUsed"] == .int(44))
                #expect(text(month["periodStart"]).hasSuffix("-01"))
                #expect(unused["tokensUsed"] == .int(0))
                #expect(unused["usdUsed"] == .int(0))

                let elsewhere = try await client.execute(uri: "/api/v1/namespaces/other/llm/budgets", method: .get)
                let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: elsewhere.body))["budgets"]?.arrayValue ?? []
                #expect(theirs.count == 1)
                #expect(theirs.first?["maxUSD"] == .int(9))
                #expect(theirs.first?["usdUsed"] == .int(0))
            }

            // A server without a gateway says so, rather than answering an empty list.
            let bare = APIServer(store: store, configuration: .init(insecure: true), metrics: PrometheusCollectorRegistry(), logger: store.logger)
            try await Application(router: bare.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
                let answer = try await client.execute(uri: "/api/v1/namespaces/default/llm/budgets", method: .get)
                #expect(answer.status == .serviceUnavailable)
                #expect(String(buffer: answer.body).contains("GatewayNotConfigured"))
            }
        }
    }
}

/// A JSON string's text, or `?` for anything else.
private func text(_ value: JSONValue?) -> String {
    if case .string(let text)? = value { return text }
    return "?"
}
