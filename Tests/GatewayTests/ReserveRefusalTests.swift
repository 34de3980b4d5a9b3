import Foundation
import Logging
import Store
import Testing
import TestSupport
import Workflow
@testable import Gateway

/// Every refusal `llm_reserve` raises reaches the gateway as its own ``GatewayStore/Refusal``,
/// through ``GatewayStore/ReserveErrorCode``: the one place that knows the function's error
/// strings. The month's budget had no test of its own before.
@Suite("LLM gateway: llm_reserve's refusals")
struct ReserveRefusalTests {
    static func claim(model: String, runId: String? = nil, maxRunUSDNanos: Int64? = nil, maxRunCalls: Int32? = nil) -> GatewayStore.Claim {
        .init(
            namespace: "default", model: model, tokens: 1, usdNanos: 1, runId: runId, maxRunUSDNanos: maxRunUSDNanos,
            maxRunCalls: maxRunCalls, lifetimeSeconds: 60)
    }

    static func provider() -> StandInProvider { StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 1, output: 1)) } }

    @Test func eachRefusalOfTheFunctionIsTheGatewaysOwn() async throws {
        try await withGateway(provider: Self.provider()) { gateway, store in
            try await gateway.setBudget(namespace: "default", model: "day-capped", period: "day", maxTokens: 0, maxUSD: nil)
            try await gateway.setBudget(namespace: "default", model: "month-capped", period: "month", maxTokens: 0, maxUSD: nil)
            let ledger = GatewayStore(client: store.client, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            func refusal(_ claim: GatewayStore.Claim) async -> GatewayStore.Refusal? {
                do {
                    _ = try await ledger.reserve(claim, at: Date())
                    return nil
                } catch {
                    return error as? GatewayStore.Refusal
                }
            }
            guard case .budget(.day)? = await refusal(Self.claim(model: "day-capped")) else { Issue.record("no day refusal"); return }
            guard case .budget(.month)? = await refusal(Self.claim(model: "month-capped")) else { Issue.record("no month refusal"); return }
            guard case .runCalls? = await refusal(Self.claim(model: "free", runId: "calls", maxRunCalls: 0)) else {
                Issue.record("no run-calls refusal")
                return
            }
            guard case .runCost? = await refusal(Self.claim(model: "free", runId: "cost", maxRunUSDNanos: 0)) else {
                Issue.record("no run-cost refusal")
                return
            }
            #expect(await refusal(Self.claim(model: "free")) == nil, "an uncapped claim is reserved")
        }
    }

    @Test func aMonthBudgetRefusesTheCallNamingTheMonth() async throws {
        try await withGateway(provider: Self.provider()) { gateway, _ in
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "month", maxTokens: 1, maxUSD: nil)
            let request = LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off")
            let refused = await #expect(throws: ApplicationFailure.self) { try await gateway.complete(request, caller: caller) }
            #expect(refused?.type == LLMFailure.budgetExceeded && refused?.nonRetryable == true)
            #expect(refused?.message.hasPrefix("the month budget of namespace default for claude-haiku-4-5") == true)
        }
    }
}
