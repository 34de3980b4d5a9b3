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

@Suite("LLM endpoints")
struct EndpointTests {
    @Test func completeAndUsageOverHTTP() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(text: "interested", input: 40, output: 4)) }
        try await withGateway(provider: provider) { gateway, store in
            let api = APIServer(
                store: store, configuration: .init(insecure: true), metrics: PrometheusCollectorRegistry(), gateway: gateway,
                logger: store.logger)
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let body = #"{"taskClass":"reply_intent","system":"Classify.","messages":[{"role":"user","content":"Sounds good, call me"}],"cache":"off"}"#
                let reply = try await client.execute(uri: "/api/v1/namespaces/default/llm/complete", method: .post, body: ByteBuffer(string: body))
                #expect(reply.status == .ok)
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: reply.body))
                #expect(json["content"] == .string("interested"))
                #expect(json["model"] == .string("claude-haiku-4-5"))
                #expect(json["provider"] == .string("anthropic"))
                #expect(json["usage"]?["inputTokens"] == .int(40))
                #expect(json["cacheHit"] == .bool(false))
                // 40×1 + 4×5 = 60 micro-USD.
                #expect(json["usd"] == .double(0.00006))

                let unknown = try await client.execute(
                    uri: "/api/v1/namespaces/default/llm/complete", method: .post,
                    body: ByteBuffer(string: #"{"taskClass":"nope","messages":[{"role":"user","content":"x"}]}"#))
                #expect(unknown.status == .badRequest)
                #expect(String(buffer: unknown.body).contains("UnknownTaskClass"))

                let usage = try await client.execute(uri: "/api/v1/namespaces/default/llm/usage?groupBy=model", method: .get)
                let rows = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: usage.body))["usage"]?.arrayValue ?? []
                #expect(rows.count == 1)
                #expect(rows.first?["key"] == .string("claude-haiku-4-5"))
                #expect(rows.first?["calls"] == .int(1), "a request refused before routing is not a call")
                let bad = try await client.execute(uri: "/api/v1/namespaces/default/llm/usage?groupBy=planet", method: .get)
                #expect(bad.status == .badRequest)
            }
        }
    }
}
