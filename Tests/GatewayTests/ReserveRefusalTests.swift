import Foundation
import Logging
import PostgresNIO
import Store
import Testing
import TestSupport
import Workflow
@testable import Gateway

/// Every refusal `llm_reserve` raises reaches the gateway as its own ``GatewayStore/Refusal``,
/// through ``GatewayStore/ReserveErrorCode``: the one place that knows the function's SQLSTATE
/// codes. The month's budget had no test of its own before.
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

    /// The gateway reads the refusal from the error's SQLSTATE, not from its message: a function
    /// that raises `RP002` with any message is a month's refusal, and another code is no refusal.
    @Test func theRefusalIsTheSQLStateWhateverTheMessage() async throws {
        try await withGateway(provider: Self.provider()) { _, store in
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let ledger = GatewayStore(client: store.client, logger: logger)
            func raising(_ code: String) async throws {
                try await store.client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            CREATE OR REPLACE FUNCTION reprise.llm_reserve(p_namespace text, p_model text, p_tokens bigint, p_usd bigint, p_run text,
                                p_max_run_usd bigint, p_max_run_calls int, p_day date, p_month date, p_ttl_seconds double precision)
                            RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'reprise:budget:day' USING ERRCODE = '\(code)'; END $$
                            """), logger: logger)
            }
            try await raising("RP002")
            do {
                _ = try await ledger.reserve(Self.claim(model: "free"), at: Date())
                Issue.record("a refusal reserved a call")
            } catch GatewayStore.Refusal.budget(.month) {}
            try await raising("P0001")
            await #expect(throws: PSQLError.self, "a code that is not a refusal stays a database error") {
                _ = try await ledger.reserve(Self.claim(model: "free"), at: Date())
            }
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
