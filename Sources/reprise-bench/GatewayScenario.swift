import AsyncHTTPClient
import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Store
import Workflow

/// The gateway's own overhead per call: a stub provider that answers at once, measured raw
/// (one HTTP POST) and through the gateway (routing, budget reserve and settle, ledger row).
struct GatewayScenario {
    var databaseURL: String
    var calls: Int

    static let answer = #"{"id":"msg_bench","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}"#

    func run() async throws -> [String: JSONValue] {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try Store(url: databaseURL, maximumConnections: 4, logger: logger)
        let router = Router()
        router.post("/v1/messages") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: Self.answer)))
        }
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            try await store.migrate([.gateway])
            var port = 0
            for await bound in ready.stream {
                port = bound
                break
            }
            var configuration = GatewayConfiguration.default
            configuration.providers["anthropic"] = .init(baseURL: "http://127.0.0.1:\(port)", apiKey: "bench")
            configuration.egress = try EgressPolicy(allowList: "127.0.0.1")
            let gateway = Gateway(configuration: configuration, store: store, environment: [:], logger: logger)
            try await gateway.setBudget(namespace: "bench", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: 1_000_000)
            let request = LLMRequest(taskClass: "icp_score", messages: [.init(role: "user", content: "score")], cache: "off")

            var raw: [Double] = []
            var routed: [Double] = []
            for index in 0..<(calls + 20) {
                let clock = ContinuousClock()
                var http = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
                http.method = .POST
                http.body = .bytes(ByteBuffer(string: #"{"model":"claude-haiku-4-5","max_tokens":512,"messages":[{"role":"user","content":[{"type":"text","text":"score"}]}]}"#))
                var start = clock.now
                _ = try await HTTPClient.shared.execute(http, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
                let rawTime = (clock.now - start).seconds * 1000
                start = clock.now
                _ = try await gateway.complete(request, caller: LLMCaller(namespace: "bench", runId: "bench-\(index)"))
                let routedTime = (clock.now - start).seconds * 1000
                if index >= 20 {  // The first calls warm the pools.
                    raw.append(rawTime)
                    routed.append(routedTime)
                }
            }
            raw.sort()
            routed.sort()
            let rawP50 = raw[raw.count / 2]
            let routedP50 = routed[routed.count / 2]
            return [
                "scenario": .string("gateway"),
                "calls": .int(Int64(calls)),
                "http_p50_ms": .double(rawP50),
                "gateway_p50_ms": .double(routedP50),
                "overhead_p50_ms": .double(routedP50 - rawP50),
                "gateway_p99_ms": .double(routed[min(routed.count - 1, routed.count * 99 / 100)]),
            ]
        }
    }
}
