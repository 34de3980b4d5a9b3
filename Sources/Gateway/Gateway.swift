import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import Metrics
import PostgresNIO
import Store
import Workflow

/// The LLM model-routing gateway: routes a task class to a model, falls back on overload, caches
/// prompt prefixes and exact responses, enforces budgets and per-run ceilings atomically, and
/// writes a ledger row for every call.
///
/// ## Usage
/// ```swift
/// let gateway = Gateway(configuration: .default, store: store, logger: logger)
/// let reply = try await gateway.complete(
///     LLMRequest(taskClass: "reply_intent", messages: [.init(role: "user", content: email)]),
///     caller: LLMCaller(namespace: "default", runId: runId))
/// ```
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    let store: GatewayStore
    let http: HTTPClient
    let clock: any EngineClock
    let logger: Logger
    let environment: [String: String]

    public init(
        configuration: GatewayConfiguration, store: Store, httpClient: HTTPClient = .shared, clock: any EngineClock = SystemClock(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) {
        self.configuration = configuration
        self.store = GatewayStore(client: store.client, logger: logger)
        self.http = httpClient
        self.clock = clock
        self.environment = environment
        self.logger = logger
    }

    /// Completes a request for a caller.
    ///
    /// - Throws: ``ApplicationFailure`` with a type from ``LLMFailure``: `RateLimited` is retryable
    ///   after the provider's `retry-after`; `ProviderUnavailable` is retryable once every fallback
    ///   failed; budget, ceiling, spend-limit and bad-request failures are not retryable.
    public func complete(_ request: LLMRequest, caller: LLMCaller) async throws -> LLMResponse {
        guard let route = configuration.routes[request.taskClass] else {
            throw ApplicationFailure(
                "no route for task class \"\(request.taskClass)\"; configured: \(configuration.routes.keys.sorted().joined(separator: ", "))",
                type: LLMFailure.unknownTaskClass, nonRetryable: true)
        }
        guard !request.messages.isEmpty, request.messages.allSatisfy({ ["user", "assistant"].contains($0.role) }) else {
            throw ApplicationFailure("messages must be non-empty, with roles user or assistant", type: LLMFailure.invalidRequest, nonRetryable: true)
        }
        for target in route.targets where configuration.prices[target.model] == nil {
            throw ApplicationFailure(
                "model \(target.model) has no price in the gateway configuration; add it before routing to it",
                type: LLMFailure.modelNotPriced, nonRetryable: true)
        }
        let tenant = request.tenant ?? caller.namespace
        let maxTokens = request.maxTokens ?? route.maxTokens
        let started = ContinuousClock.now
        let useExactCache = request.cache == "exact" || (request.cache != "off" && request.temperature == 0)
        let cacheKey = useExactCache ? try Self.cacheKey(request, tenant: tenant, model: route.model, maxTokens: maxTokens) : nil
        var entry = GatewayStore.Entry(
            caller: caller, tenant: tenant, taskClass: request.taskClass, route: request.taskClass, provider: nil, model: nil, usage: Usage(),
            usdNanos: 0, latencyMs: 0, cacheHit: false, fallbackFrom: nil, outcome: "ok", providerRequestId: nil)

        if let cacheKey, var hit = try await store.cached(key: cacheKey, at: clock.now) {
            hit.cacheHit = true
            hit.usd = 0
            hit.latencyMs = Self.milliseconds(since: started)
            entry.provider = hit.provider
            entry.model = hit.model
            entry.cacheHit = true
            entry.outcome = "cache_hit"
            entry.latencyMs = hit.latencyMs
            try await store.record(entry, at: clock.now)
            return hit
        }

        var lastFailure: ProviderFailure?
        var unconfigured: [String] = []
        for (index, target) in route.targets.enumerated() {
            let (baseURL, apiKey) = configuration.settings(for: target.provider, environment: environment)
            // Anthropic refuses every call without a key; an OpenAI-compatible local server may need none.
            if target.provider == "anthropic" && (apiKey ?? "").isEmpty {
                unconfigured.append(target.model)
                continue
            }
            let price = configuration.prices[target.model]!
            let estimate = Self.estimateInputTokens(request)
            let worstCase = price.nanoUSD(for: Usage(inputTokens: estimate, outputTokens: maxTokens))
            let reservation: GatewayStore.Reservation
            do {
                reservation = try await store.reserve(
                    tenant: tenant, model: target.model, tokens: Int64(estimate + maxTokens), usdNanos: worstCase, runId: caller.runId,
                    maxRunUSDNanos: request.maxRunUSD.map { Self.nanos($0) }, maxRunCalls: request.maxRunCalls, at: clock.now)
            } catch let refusal as GatewayStore.Refusal {
                entry.model = target.model
                entry.provider = target.provider
                entry.outcome = "refused"
                entry.latencyMs = Self.milliseconds(since: started)
                try await store.record(entry, at: clock.now)
                throw Self.failure(for: refusal, tenant: tenant, model: target.model)
            }
            let call = ProviderCall(
                target: target, request: request, maxTokens: maxTokens, thinking: route.thinking, baseURL: baseURL, apiKey: apiKey,
                timeout: .seconds(fractional: route.timeoutSeconds ?? 120), egress: configuration.egress)
            do {
                let result = try await provider(named: target.provider).send(call, client: http)
                let cost = price.nanoUSD(for: result.usage)
                let response = LLMResponse(
                    model: target.model, provider: target.provider, content: result.content, stopReason: result.stopReason,
                    usage: .init(
                        inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens,
                        cacheReadTokens: result.usage.cacheReadTokens, cacheWriteTokens: result.usage.cacheWriteTokens),
                    usd: Self.usd(cost), latencyMs: Self.milliseconds(since: started), cacheHit: false,
                    fallbackFrom: index == 0 ? nil : route.model)
                entry.provider = target.provider
                entry.model = target.model
                entry.usage = result.usage
                entry.usdNanos = cost
                entry.latencyMs = response.latencyMs
                entry.fallbackFrom = response.fallbackFrom
                entry.providerRequestId = result.requestId
                try await store.settle(reservation, tokens: Int64(result.usage.totalTokens), usdNanos: cost, ledger: entry, at: clock.now)
                Self.recordMetrics(tenant: tenant, model: target.model, usage: result.usage, usdNanos: cost)
                if let cacheKey {
                    try await store.cache(key: cacheKey, response: response, until: clock.now.addingTimeInterval(configuration.exactCacheTTLSeconds))
                }
                return response
            } catch let failure as ProviderFailure {
                try? await store.settle(reservation, tokens: 0, usdNanos: 0, at: clock.now)
                lastFailure = failure
                logger.warning(
                    "LLM call failed", metadata: ["model.route": "\(request.taskClass)", "model": "\(target.model)", "error": "\(failure.message)"])
                if failure.kind == .unavailable { continue }
                entry.provider = target.provider
                entry.model = target.model
                entry.outcome = "error"
                entry.providerRequestId = failure.requestId
                entry.latencyMs = Self.milliseconds(since: started)
                try await store.record(entry, at: clock.now)
                throw Self.failure(for: failure)
            }
        }
        if unconfigured.count == route.targets.count {
            entry.outcome = "refused"
            entry.latencyMs = Self.milliseconds(since: started)
            try await store.record(entry, at: clock.now)
            throw ApplicationFailure(
                "no API key for provider anthropic, which every model of route \(request.taskClass) needs: set ANTHROPIC_API_KEY "
                    + "(or apiKey/apiKeyEnv in REPRISE_GATEWAY_CONFIG), or route the task class to a local OpenAI-compatible server",
                type: LLMFailure.providerNotConfigured, nonRetryable: true)
        }
        entry.outcome = "unavailable"
        entry.latencyMs = Self.milliseconds(since: started)
        try await store.record(entry, at: clock.now)
        throw ApplicationFailure(
            "every model of route \(request.taskClass) failed; last: \(lastFailure?.message ?? "none")", type: LLMFailure.unavailable)
    }

    static func failure(for failure: ProviderFailure) -> ApplicationFailure {
        switch failure.kind {
        case .rateLimited(let retryAfter):
            return ApplicationFailure("rate limited: \(failure.message)", type: LLMFailure.rateLimited, nextRetryDelay: retryAfter)
        case .spendLimit:
            return ApplicationFailure("the provider refused for spend: \(failure.message)", type: LLMFailure.spendLimit, nonRetryable: true)
        case .rejected:
            return ApplicationFailure("the provider rejected the request: \(failure.message)", type: LLMFailure.badRequest, nonRetryable: true)
        case .unavailable:
            return ApplicationFailure(failure.message, type: LLMFailure.unavailable)
        }
    }

    static func failure(for refusal: GatewayStore.Refusal, tenant: String, model: String) -> ApplicationFailure {
        switch refusal {
        case .budget(let period):
            return ApplicationFailure(
                "the \(period) budget of tenant \(tenant) for \(model) would be exceeded", type: LLMFailure.budgetExceeded, nonRetryable: true)
        case .runCost:
            return ApplicationFailure("this run's LLM cost ceiling would be exceeded", type: LLMFailure.runCostCeiling, nonRetryable: true)
        case .runCalls:
            return ApplicationFailure("this run's limit on LLM calls is reached", type: LLMFailure.runCallLimit, nonRetryable: true)
        }
    }

    /// A rough input estimate for the worst-case reservation: four characters a token, plus overhead.
    static func estimateInputTokens(_ request: LLMRequest) -> Int {
        let characters = (request.system?.count ?? 0) + request.messages.reduce(0) { $0 + $1.content.count + 8 }
        return characters / 4 + 16
    }

    /// SHA-256 of the canonical request: tenant, model, messages and parameters.
    static func cacheKey(_ request: LLMRequest, tenant: String, model: String, maxTokens: Int) throws -> String {
        let canonical: JSONValue = .object([
            "tenant": .string(tenant), "model": .string(model), "system": request.system.map(JSONValue.string) ?? .null,
            "messages": .array(request.messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
            "maxTokens": .int(Int64(maxTokens)), "temperature": request.temperature.map(JSONValue.double) ?? .null,
        ])
        return SHA256.hash(data: Data(canonical.compactDescription.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func nanos(_ usd: Decimal) -> Int64 {
        var value = usd * 1_000_000_000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .down)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    static func usd(_ nanos: Int64) -> Decimal { Decimal(nanos) / 1_000_000_000 }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        Int(((ContinuousClock.now - start).seconds * 1000).rounded())
    }

    static func recordMetrics(tenant: String, model: String, usage: Usage, usdNanos: Int64) {
        let dimensions = [("tenant", tenant), ("model", model)]
        Counter(label: "reprise_llm_tokens_total", dimensions: dimensions + [("kind", "input")]).increment(by: usage.inputTokens)
        Counter(label: "reprise_llm_tokens_total", dimensions: dimensions + [("kind", "output")]).increment(by: usage.outputTokens)
        Counter(label: "reprise_llm_tokens_total", dimensions: dimensions + [("kind", "cache_read")]).increment(by: usage.cacheReadTokens)
        Counter(label: "reprise_llm_tokens_total", dimensions: dimensions + [("kind", "cache_write")]).increment(by: usage.cacheWriteTokens)
        Counter(label: "reprise_llm_usd_nanos_total", dimensions: dimensions).increment(by: Int(usdNanos))
    }
}

extension Gateway {
    /// Sets a budget for (tenant, model) per day or month, in tokens and/or USD; `nil` removes a limit.
    public func setBudget(tenant: String, model: String, period: String, maxTokens: Int64?, maxUSD: Decimal?) async throws {
        guard ["day", "month"].contains(period) else { throw GatewayError("a budget period is day or month") }
        try await store.client.query(
            """
            INSERT INTO llm_budgets (tenant, model, period, max_tokens, max_usd_nanos)
            VALUES (\(tenant), \(model), \(period), \(maxTokens), \(maxUSD.map { Self.nanos($0) }))
            ON CONFLICT (tenant, model, period) DO UPDATE SET max_tokens = excluded.max_tokens, max_usd_nanos = excluded.max_usd_nanos
            """, logger: logger)
    }

    /// Spending per model, per day or per run, from the ledger.
    public struct UsageRow: Sendable, Codable, Hashable {
        public var key: String
        public var calls: Int
        public var inputTokens: Int64
        public var outputTokens: Int64
        public var cacheReadTokens: Int64
        public var cacheWriteTokens: Int64
        public var usd: Decimal
        public var cacheHits: Int
    }

    /// The ledger of a namespace, grouped by `model`, `day` or `run`.
    public func usage(namespace: String, groupBy: String) async throws -> [UsageRow] {
        let column: String
        switch groupBy {
        case "model": column = "COALESCE(model, '-')"
        case "day": column = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case "run": column = "COALESCE(run_id, '-')"
        default: throw GatewayError("groupBy must be model, day or run")
        }
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT \(column) AS key, count(*)::int, sum(input_tokens)::bigint, sum(output_tokens)::bigint, sum(cache_read_tokens)::bigint,
                    sum(cache_write_5m_tokens + cache_write_1h_tokens)::bigint, sum(usd_nanos)::bigint, count(*) FILTER (WHERE cache_hit)::int
                FROM llm_ledger WHERE namespace = $1 GROUP BY 1 ORDER BY 1
                """)
        query.binds.append(namespace)
        var rows: [UsageRow] = []
        for try await (key, calls, input, output, read, write, nanos, hits) in try await store.client.query(query, logger: logger).decode(
            (String, Int, Int64, Int64, Int64, Int64, Int64, Int).self)
        {
            rows.append(
                UsageRow(
                    key: key, calls: calls, inputTokens: input, outputTokens: output, cacheReadTokens: read, cacheWriteTokens: write,
                    usd: Self.usd(nanos), cacheHits: hits))
        }
        return rows
    }
}
