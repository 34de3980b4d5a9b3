import Foundation
import Activities
import Gateway
import Hummingbird
import Testing
import TestSupport
import Workflow

/// Numbers from a caller or a provider that trapped the process before (each of these tests
/// aborted the whole test process on the code before issue 15): now a 400 naming the field, a
/// non-retryable activity failure, or a bounded value.
@Suite("LLM gateway: no number aborts the process")
struct OverflowTests {
    @Test func hugeRequestNumbersAreA400NamingTheField() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic()) }
        try await withGateway(provider: provider) { gateway, store in
            let messages = #""taskClass":"icp_score","messages":[{"role":"user","content":"x"}]"#
            let cases: [(field: String, json: String)] = [
                ("maxTokens", #"{\#(messages),"maxTokens":9223372036854775807}"#),
                ("maxTokens", #"{\#(messages),"maxTokens":-5}"#),
                ("maxRunCalls", #"{\#(messages),"maxRunCalls":2147483648}"#),
                ("maxRunUSD", #"{\#(messages),"maxRunUSD":1e30}"#),
                ("cachePrefix", #"{\#(messages),"cachePrefix":-9223372036854775808}"#),
                ("temperature", #"{\#(messages),"temperature":1e300}"#),
            ]
            try await withLLMEndpoint(gateway: gateway, store: store) { post in
                for (field, json) in cases {
                    let (status, body) = try await post("default", json)
                    #expect(status == .badRequest, "\(json)")
                    #expect(body["error"]?["code"] == .string(LLMFailure.invalidRequest), "\(json)")
                    guard case .string(let text)? = body["error"]?["message"] else {
                        Issue.record("no message for \(json)")
                        continue
                    }
                    #expect(text.contains(field), "\(text)")
                }
            }
            #expect(provider.requests.isEmpty)
            #expect(try await reservationCount(store) == 0)
        }
    }

    @Test func theActivityFailsNonRetryablyOnAHugeMaxTokens() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic()) }
        try await withGateway(provider: provider) { gateway, store in
            let context = ActivityContext(
                info: .init(
                    namespace: "default", workflowId: "w", runId: "r", workflowType: "T", activityId: "1", activityType: LLMComplete.name,
                    taskQueue: "main", attempt: 1),
                logger: store.logger, heartbeat: { _ in })
            for request in [
                LLMRequest(taskClass: "icp_score", messages: [message("x")], maxTokens: .max),
                LLMRequest(taskClass: "icp_score", messages: [message("x")], maxRunCalls: 1 << 31),
            ] {
                let failure = await #expect(throws: ApplicationFailure.self) {
                    try await ActivityContext.$current.withValue(context) { try await LLMComplete(gateway: gateway).run(input: request) }
                }
                #expect(failure?.type == LLMFailure.invalidRequest && failure?.nonRetryable == true)
                #expect(failure?.message.contains(request.maxTokens != nil ? "maxTokens" : "maxRunCalls") == true, "\(String(describing: failure))")
            }
        }
    }

    @Test func aRetryAfterOfInfinityOrHugeOrNegativeIsBounded() async throws {
        let provider = StandInProvider { call, _ in
            guard case .string(let header)? = call.body["messages"]?.arrayValue.first?["content"]?.arrayValue.first?["text"] else {
                return .init(status: 400, body: StandInProvider.error("invalid_request_error", "no text"))
            }
            return .init(status: 429, headers: ["retry-after": header], body: StandInProvider.error("rate_limit_error", "slow down"))
        }
        try await withGateway(provider: provider) { gateway, _ in
            let expected: [(header: String, delay: Duration?)] = [
                ("inf", nil), ("nan", nil), ("-5", nil), ("1e300", .seconds(3600)), ("99999999999999999999", .seconds(3600)), ("2.5", .milliseconds(2500)),
            ]
            for (header, delay) in expected {
                let failure = await #expect(throws: ApplicationFailure.self) {
                    try await gateway.complete(LLMRequest(taskClass: "reply_intent", messages: [message(header)], cache: "off"), caller: caller)
                }
                #expect(failure?.type == LLMFailure.rateLimited, "\(header)")
                #expect(failure?.nextRetryDelay == delay, "retry-after: \(header)")
            }
        }
    }

    @Test func aProvidersHugeOrNegativeTokenCountsAreClamped() async throws {
        let huge = Int(Int64.max)
        let provider = StandInProvider { call, _ in
            call.path == "/v1/messages"
                ? .init(body: StandInProvider.anthropic(input: huge, output: huge, cacheRead: huge))
                : .init(body: StandInProvider.openAI(prompt: -100, cached: huge, completion: -3))
        }
        try await withGateway(provider: provider, configure: { $0.routes["open"] = .init(provider: "openai", model: "gpt-test", maxTokens: 100) }) {
            gateway, store in
            let anthropic = try await gateway.complete(LLMRequest(taskClass: "reply_intent", messages: [message("x")], cache: "off"), caller: caller)
            #expect(anthropic.usage.inputTokens == 1 << 32 && anthropic.usage.outputTokens == 1 << 32)
            let openAI = try await gateway.complete(LLMRequest(taskClass: "open", messages: [message("x")], cache: "off"), caller: caller)
            #expect(openAI.usage.inputTokens == 0 && openAI.usage.outputTokens == 0)
            #expect(try await reservationCount(store) == 0)
        }
    }
}
