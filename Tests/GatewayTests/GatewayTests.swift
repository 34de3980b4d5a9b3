import Foundation
import Activities
import Gateway
import Logging
import Prometheus
import PostgresNIO
import RepriseTesting
import Store
import Testing
import TestSupport
import Workflow

/// A gateway over a fresh database, pointed at a stand-in provider.
func withGateway<T: Sendable>(
    provider: StandInProvider, configure: (inout GatewayConfiguration) -> Void = { _ in }, metricsFactory: PrometheusMetricsFactory? = nil,
    sweepInterval: Duration = .seconds(60), _ body: (Gateway, Store) async throws -> T
) async throws -> T {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    return try await TestDatabase.with(logger: logger) { database in
        let store = try Store(url: database.url, maximumConnections: 20, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate([.gateway])
            return try await provider.run {
                var configuration = GatewayConfiguration.default
                configuration.providers = [
                    "anthropic": .init(baseURL: provider.baseURL, apiKey: "test-anthropic-key"),
                    "openai": .init(baseURL: provider.baseURL, apiKey: "test-openai-key"),
                ]
                configuration.prices["gpt-test"] = .init(input: 1, output: 5, cacheRead: Decimal(string: "0.1")!, cacheWrite5m: 0, cacheWrite1h: 0)
                // The stand-in listens on loopback, which only an allow-list opens.
                configuration.egress = try EgressPolicy(allowList: "127.0.0.1")
                configure(&configuration)
                let gateway = Gateway(
                    configuration: configuration, store: store, environment: [:], metricsFactory: metricsFactory, sweepInterval: sweepInterval,
                    logger: logger)
                return try await body(gateway, store)
            }
        }
    }
}

let caller = LLMCaller(namespace: "default", workflowId: "lead-1", runId: "run-1", activityId: "3")

func message(_ text: String) -> LLMRequest.Message { .init(role: "user", content: text) }

@Suite("LLM gateway")
struct GatewayTests {
    @Test func anAnthropicModelWithoutAKeyIsSkippedAndARouteWithNoneIsRefused() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.openAI(text: "ok", prompt: 10, cached: 0, completion: 2)) }
        try await withGateway(
            provider: provider,
            configure: { configuration in
                configuration.providers["anthropic"]?.apiKey = nil
                configuration.routes["mixed"] = .init(
                    provider: "anthropic", model: "claude-haiku-4-5", maxTokens: 64, fallbacks: [.init(provider: "openai", model: "gpt-test")])
            }
        ) { gateway, _ in
            do {
                _ = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("score")]), caller: caller)
                Issue.record("a route with no key for any of its models must be refused")
            } catch let failure as ApplicationFailure {
                #expect(failure.type == LLMFailure.providerNotConfigured)
                #expect(failure.nonRetryable)
                #expect(failure.message.contains("ANTHROPIC_API_KEY"))
            }
            #expect(provider.requests.isEmpty, "nothing is sent without a key")
            let mixed = try await gateway.complete(LLMRequest(taskClass: "mixed", messages: [message("hi")]), caller: caller)
            #expect(mixed.model == "gpt-test")
            #expect(mixed.fallbackFrom == "claude-haiku-4-5")
        }
    }

    @Test func anthropicRequestCarriesHeadersBlocksAndCacheBreakpoints() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic()) }
        try await withGateway(provider: provider) { gateway, _ in
            let request = LLMRequest(
                taskClass: "icp_score", system: "You score leads.", messages: [message("memory"), message("facts"), message("score this lead")],
                temperature: 0.2, cachePrefix: 2, cache: "off", userId: "tenant-7/lead-1")
            _ = try await gateway.complete(request, caller: caller)
            let sent = try #require(provider.requests.first)
            #expect(sent.path == "/v1/messages")
            #expect(sent.headers["x-api-key"] == "test-anthropic-key")
            #expect(sent.headers["anthropic-version"] == "2023-06-01")
            #expect(sent.body["model"] == .string("claude-haiku-4-5"))
            #expect(sent.body["max_tokens"] == .int(512))
            #expect(sent.body["temperature"] == .double(0.2))
            #expect(sent.body["metadata"]?["user_id"] == .string("tenant-7/lead-1"))
            let ephemeral = JSONValue.object(["type": .string("ephemeral")])
            guard case .array(let system)? = sent.body["system"], case .array(let messages)? = sent.body["messages"] else {
                Issue.record("no system or messages: \(sent.body.compactDescription)")
                return
            }
            #expect(system.first?["text"] == .string("You score leads."))
            #expect(system.first?["cache_control"] == ephemeral)
            let breakpoints = messages.map { $0["content"]?.arrayValue.first?["cache_control"] }
            #expect(breakpoints == [nil, ephemeral, nil], "the breakpoint sits on the last stable message")

            _ = try await gateway.complete(LLMRequest(taskClass: "research", messages: [message("dig")], temperature: 0.5), caller: caller)
            let research = try #require(provider.requests.last)
            #expect(research.body["model"] == .string("claude-sonnet-4-5"))
            #expect(research.body["thinking"] == .object(["type": .string("enabled"), "budget_tokens": .int(2048)]))
            #expect(research.body["temperature"] == nil, "thinking requires the default temperature")
            #expect(research.body["system"] == nil)
        }
    }

    @Test func routingPerTaskClassAndUnknownClasses() async throws {
        let provider = StandInProvider { call, _ in .init(body: StandInProvider.anthropic(model: { if case .string(let m)? = call.body["model"] { m } else { "" } }())) }
        try await withGateway(provider: provider) { gateway, _ in
            let intent = try await gateway.complete(LLMRequest(taskClass: "reply_intent", messages: [message("yes!")]), caller: caller)
            let email = try await gateway.complete(LLMRequest(taskClass: "outreach_email", messages: [message("write")]), caller: caller)
            #expect(intent.model == "claude-haiku-4-5")
            #expect(email.model == "claude-sonnet-4-5")
            let unknown = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(LLMRequest(taskClass: "poetry", messages: [message("x")]), caller: caller)
            }
            #expect(unknown?.type == LLMFailure.unknownTaskClass && unknown?.nonRetryable == true)
        }
    }

    @Test func costArithmeticForEveryTokenKind() async throws {
        // Haiku: $1 input, $5 output, $0.10 cache read, $1.25 5-minute write, $2 1-hour write per million.
        let provider = StandInProvider { _, _ in
            .init(body: StandInProvider.anthropic(input: 1000, output: 500, cacheRead: 2000, cacheWrite5m: 1000, cacheWrite1h: 400))
        }
        try await withGateway(provider: provider) { gateway, store in
            let response = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off"), caller: caller)
            // 1000×1 + 500×5 + 2000×0.1 + 1000×1.25 + 400×2 = 1000 + 2500 + 200 + 1250 + 800 = 5750 micro-USD.
            #expect(response.usd == Decimal(string: "0.00575")!)
            #expect(response.usage.inputTokens == 1000 && response.usage.cacheReadTokens == 2000 && response.usage.cacheWriteTokens == 1400)
            let ledger = try await ledgerRows(store)
            #expect(ledger.first?.usdNanos == 5_750_000)
            #expect(ledger.first?.cacheWrite5m == 1000 && ledger.first?.cacheWrite1h == 400)
        }
    }

    @Test func cachedTokensAreNeverCountedTwice() async throws {
        let provider = StandInProvider { call, _ in
            call.path == "/v1/messages"
                ? .init(body: StandInProvider.anthropic(input: 100, output: 10, cacheRead: 900))
                : .init(body: StandInProvider.openAI(prompt: 1000, cached: 900, completion: 10))
        }
        try await withGateway(provider: provider, configure: {
            $0.routes["open"] = .init(provider: "openai", model: "gpt-test", maxTokens: 100)
            $0.prices["claude-haiku-4-5"] = $0.prices["gpt-test"]
        }) { gateway, _ in
            let anthropic = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off"), caller: caller)
            let openAI = try await gateway.complete(LLMRequest(taskClass: "open", messages: [message("x")], cache: "off"), caller: caller)
            // Anthropic reports the 100 uncached tokens; OpenAI's 1000 prompt tokens include the 900 cached.
            #expect(anthropic.usage.inputTokens == 100 && anthropic.usage.cacheReadTokens == 900)
            #expect(openAI.usage.inputTokens == 100 && openAI.usage.cacheReadTokens == 900)
            #expect(anthropic.usd == openAI.usd)
            #expect(provider.requests.last?.headers["authorization"] == "Bearer test-openai-key")
        }
    }

    @Test func anOverloadedModelFallsBackAndTheLedgerSaysSo() async throws {
        let provider = StandInProvider { call, _ in
            call.body["model"] == .string("claude-haiku-4-5")
                ? .init(status: 529, body: StandInProvider.error("overloaded_error", "Overloaded"))
                : .init(body: StandInProvider.anthropic(model: "claude-sonnet-4-5"))
        }
        try await withGateway(provider: provider) { gateway, store in
            let response = try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("x")]), caller: caller)
            #expect(response.model == "claude-sonnet-4-5")
            #expect(response.fallbackFrom == "claude-haiku-4-5")
            #expect(provider.requests.count == 2)
            let rows = try await ledgerRows(store)
            #expect(rows.first?.fallbackFrom == "claude-haiku-4-5")
        }
    }

    @Test func rateLimitsAreRetryableAfterRetryAfterWhileBadRequestsAndSpendLimitsAreNot() async throws {
        let provider = StandInProvider { call, _ in
            switch call.body["messages"]?.arrayValue.first?["content"]?.arrayValue.first?["text"] {
            case .string("limited")?: .init(status: 429, headers: ["retry-after": "7"], body: StandInProvider.error("rate_limit_error", "slow down"))
            case .string("broke")?: .init(status: 429, body: .object(["error": .object(["code": .string("insufficient_quota"), "message": .string("quota")])]))
            default: .init(status: 400, body: StandInProvider.error("invalid_request_error", "max_tokens too large"))
            }
        }
        try await withGateway(provider: provider) { gateway, _ in
            let limited = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("limited")]), caller: caller)
            }
            #expect(limited?.type == LLMFailure.rateLimited && limited?.nonRetryable == false)
            #expect(limited?.nextRetryDelay == .seconds(7))
            // The engine's retry policy takes the provider's delay.
            #expect(RetryPolicy().delay(afterAttempt: 1, failure: Failure(limited!)) == .seconds(7))
            #expect(provider.requests.count == 1, "the HTTP client does not retry by itself")

            let spend = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("broke")]), caller: caller)
            }
            #expect(spend?.type == LLMFailure.spendLimit && spend?.nonRetryable == true)
            let bad = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(LLMRequest(taskClass: "icp_score", messages: [message("bad")]), caller: caller)
            }
            #expect(bad?.type == LLMFailure.badRequest && bad?.nonRetryable == true)
            #expect(RetryPolicy().delay(afterAttempt: 1, failure: Failure(bad!)) == nil)
        }
    }

    @Test func fiftyConcurrentCallsNeverOvershootTheBudget() async throws {
        // Each call costs 10×1 + 100×5 = 510 micro-USD; the worst case reserved is larger.
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 10, output: 100)) }
        try await withGateway(provider: provider, configure: { $0.routes["icp_score"]?.maxTokens = 100 }) { gateway, store in
            let cap = Decimal(string: "0.01")!
            try await gateway.setBudget(namespace: "default", model: "claude-haiku-4-5", period: "day", maxTokens: nil, maxUSD: cap)
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do {
                            _ = try await gateway.complete(
                                LLMRequest(taskClass: "icp_score", messages: [message("lead \(index)")], cache: "off"),
                                caller: LLMCaller(namespace: "default"))
                            return "ok"
                        } catch let failure as ApplicationFailure {
                            return failure.type
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let succeeded = outcomes.filter { $0 == "ok" }.count
            #expect(succeeded > 0 && succeeded < 50)
            #expect(outcomes.allSatisfy { $0 == "ok" || $0 == LLMFailure.budgetExceeded })
            var used: Int64 = -1
            for try await u in try await store.client.query(
                "SELECT usd_used_nanos FROM reprise.llm_budget_usage WHERE namespace = 'default' AND period = 'day'"
            ).decode(Int64.self) {
                used = u
            }
            #expect(used == Int64(succeeded) * 510_000)
            #expect(used <= 10_000_000, "the cap of $0.01 is never overshot")
            #expect(try await reservationCount(store) == 0)
        }
    }

    @Test func anExactCacheHitCostsNothingAndIsLedgered() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(text: "qualified", input: 50, output: 5)) }
        try await withGateway(provider: provider) { gateway, store in
            let request = LLMRequest(taskClass: "icp_score", messages: [message("same lead")], temperature: 0)
            let first = try await gateway.complete(request, caller: caller)
            let second = try await gateway.complete(request, caller: caller)
            #expect(!first.cacheHit && first.usd > 0)
            #expect(second.cacheHit && second.usd == 0 && second.content == "qualified")
            #expect(provider.requests.count == 1)
            let rows = try await ledgerRows(store)
            #expect(rows.map(\.cacheHit) == [false, true])
            #expect(rows.last?.usdNanos == 0)
        }
    }

    @Test func thePerRunCeilingsRefuseTheNextCall() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 10, output: 100)) }
        try await withGateway(provider: provider, configure: { $0.routes["icp_score"]?.maxTokens = 100 }) { gateway, _ in
            let cheap = LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off", maxRunUSD: Decimal(string: "0.001")!)
            _ = try await gateway.complete(cheap, caller: LLMCaller(namespace: "default", runId: "run-cost"))
            let refused = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(cheap, caller: LLMCaller(namespace: "default", runId: "run-cost"))
            }
            #expect(refused?.type == LLMFailure.runCostCeiling && refused?.nonRetryable == true)

            let once = LLMRequest(taskClass: "icp_score", messages: [message("x")], cache: "off", maxRunCalls: 1)
            _ = try await gateway.complete(once, caller: LLMCaller(namespace: "default", runId: "run-calls"))
            let again = await #expect(throws: ApplicationFailure.self) {
                try await gateway.complete(once, caller: LLMCaller(namespace: "default", runId: "run-calls"))
            }
            #expect(again?.type == LLMFailure.runCallLimit)
        }
    }

    @Test func theLedgerAndUsageGroupings() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(input: 100, output: 10)) }
        try await withGateway(provider: provider) { gateway, _ in
            for run in ["r1", "r1", "r2"] {
                _ = try await gateway.complete(
                    LLMRequest(taskClass: "icp_score", messages: [message(run)], cache: "off"), caller: LLMCaller(namespace: "default", runId: run))
            }
            let byModel = try await gateway.usage(namespace: "default", groupBy: "model")
            #expect(byModel.count == 1)
            #expect(byModel.first?.key == "claude-haiku-4-5" && byModel.first?.calls == 3)
            #expect(byModel.first?.inputTokens == 300 && byModel.first?.outputTokens == 30)
            // 3 × (100×1 + 10×5) = 450 micro-USD.
            #expect(byModel.first?.usd == Decimal(string: "0.00045")!)
            let byRun = try await gateway.usage(namespace: "default", groupBy: "run")
            #expect(byRun.map(\.key) == ["r1", "r2"] && byRun.map(\.calls) == [2, 1])
            let byDay = try await gateway.usage(namespace: "default", groupBy: "day")
            #expect(byDay.count == 1)
        }
    }
}

struct LedgerRow {
    var usdNanos: Int64
    var cacheHit: Bool
    var fallbackFrom: String?
    var cacheWrite5m: Int64
    var cacheWrite1h: Int64
}

func ledgerRows(_ store: Store) async throws -> [LedgerRow] {
    var rows: [LedgerRow] = []
    for try await (usd, hit, fallback, w5, w1) in try await store.client.query(
        "SELECT usd_nanos, cache_hit, fallback_from, cache_write_5m_tokens, cache_write_1h_tokens FROM reprise.llm_ledger ORDER BY id"
    ).decode((Int64, Bool, String?, Int64, Int64).self) {
        rows.append(LedgerRow(usdNanos: usd, cacheHit: hit, fallbackFrom: fallback, cacheWrite5m: w5, cacheWrite1h: w1))
    }
    return rows
}
@Suite("llm.complete activity")
struct LLMCompleteActivityTests {
    @Test func theActivityChargesTheCallingRun() async throws {
        let provider = StandInProvider { _, _ in .init(body: StandInProvider.anthropic(text: "question", input: 20, output: 2)) }
        try await withGateway(provider: provider) { gateway, store in
            let context = ActivityContext(
                info: .init(
                    namespace: "default", workflowId: "lead-9", runId: "run-9", workflowType: "LeadNurture", activityId: "4",
                    activityType: LLMComplete.name, taskQueue: "main", attempt: 1),
                logger: store.logger, heartbeat: { _ in })
            let response = try await ActivityContext.$current.withValue(context) {
                try await LLMComplete(gateway: gateway).run(
                    input: LLMRequest(taskClass: "reply_intent", messages: [message("what does it cost?")], cache: "off"))
            }
            #expect(response.content == "question")
            var row: (String?, String?, String?)?
            for try await value in try await store.client.query("SELECT workflow_id, run_id, activity_id FROM reprise.llm_ledger").decode(
                (String?, String?, String?).self)
            {
                row = value
            }
            #expect(row?.0 == "lead-9" && row?.1 == "run-9" && row?.2 == "4")
        }
    }
}

func reservationCount(_ store: Store) async throws -> Int {
    for try await count in try await store.client.query("SELECT count(*)::int FROM reprise.llm_reservations").decode(Int.self) {
        return count
    }
    return -1
}
