import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import Store
import Synchronization
import Workflow

/// The LLM model-routing gateway: routes a task class to a model, falls back on overload, caches
/// prompt prefixes and exact responses, enforces budgets and per-run ceilings atomically, and
/// writes a ledger row for every call. The tenant a call is charged to is always its caller's
/// namespace.
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
    let metrics: GatewayMetrics
    /// How often expired reservations are deleted, at most (see ``sweepExpiredReservations()``).
    let sweepInterval: Duration
    let lastSweep = Mutex<ContinuousClock.Instant?>(nil)

    /// How long a reservation outlives its attempt's timeout before it stops counting: time for
    /// a slow answer's body and the settle.
    static let reservationGraceSeconds: Double = 60

    /// - Parameters:
    ///   - metricsFactory: where the counters go; by default the bootstrapped `MetricsSystem`.
    ///   - sweepInterval: how often, at most, a call first deletes expired reservations.
    public init(
        configuration: GatewayConfiguration, store: Store, httpClient: HTTPClient = .shared, clock: any EngineClock = SystemClock(),
        environment: [String: String] = ProcessInfo.processInfo.environment, metricsFactory: (any MetricsFactory)? = nil,
        sweepInterval: Duration = .seconds(60), logger: Logger
    ) {
        self.configuration = configuration
        self.store = GatewayStore(client: store.client, logger: logger)
        self.http = httpClient
        self.clock = clock
        self.environment = environment
        self.metrics = GatewayMetrics(factory: metricsFactory, models: Set(configuration.prices.keys))
        self.sweepInterval = sweepInterval
        self.logger = logger
    }

    /// Completes a request for a caller, charged to the caller's namespace.
    ///
    /// - Throws: ``ApplicationFailure`` with a type from ``LLMFailure``: `RateLimited` is retryable
    ///   after the provider's `retry-after`; `ProviderUnavailable` is retryable once every fallback
    ///   failed; budget, ceiling, spend-limit, tenant and bad-request failures are not retryable.
    ///   `CancellationError` when the calling task is cancelled; its reservation is released.
    public func complete(_ request: LLMRequest, caller: LLMCaller) async throws -> LLMResponse {
        guard let route = configuration.routes[request.taskClass] else {
            throw ApplicationFailure(
                "no route for task class \"\(request.taskClass)\"; configured: \(configuration.routes.keys.sorted().joined(separator: ", "))",
                type: LLMFailure.unknownTaskClass, nonRetryable: true)
        }
        let checked = try request.checked(route: route, namespace: caller.namespace)
        for target in route.targets where configuration.prices[target.model] == nil {
            throw ApplicationFailure(
                "model \(target.model) has no price in the gateway configuration; add it before routing to it",
                type: LLMFailure.modelNotPriced, nonRetryable: true)
        }
        let started = ContinuousClock.now
        let cacheKey =
            checked.usesExactCache
            ? try Self.cacheKey(request, namespace: caller.namespace, model: route.model, maxTokens: checked.maxTokens) : nil
        var entry = GatewayStore.Entry(
            caller: caller, taskClass: request.taskClass, route: request.taskClass, provider: nil, model: nil, usage: Usage(),
            usdNanos: 0, latencyMs: 0, cacheHit: false, fallbackFrom: nil, outcome: .ok, providerRequestId: nil)

        if let cacheKey, var hit = try await store.cached(namespace: caller.namespace, key: cacheKey, at: clock.now) {
            hit.cacheHit = true
            hit.usd = 0
            hit.latencyMs = Self.milliseconds(since: started)
            entry.provider = hit.provider
            entry.model = hit.model
            entry.cacheHit = true
            try await conclude(&entry, .cacheHit, started: started)
            return hit
        }

        var lastFailure: ProviderFailure?
        var unconfigured = 0
        for (index, target) in route.targets.enumerated() {
            try Task.checkCancellation()
            let (baseURL, apiKey) = configuration.settings(for: target.provider, environment: environment)
            // Anthropic refuses every call without a key; an OpenAI-compatible local server may need none.
            if target.provider == "anthropic" && (apiKey ?? "").isEmpty {
                unconfigured += 1
                continue
            }
            entry.provider = target.provider
            entry.model = target.model
            let call = ProviderCall(
                target: target, request: request, maxTokens: checked.maxTokens, thinking: route.thinking, baseURL: baseURL, apiKey: apiKey,
                timeout: .milliseconds(Int64(route.attemptTimeoutSeconds * 1000)), egress: configuration.egress)
            switch try await attempt(call, checked: checked, fallbackFrom: index == 0 ? nil : route.model, entry: &entry, started: started) {
            case .answered(let response):
                if let cacheKey {
                    try await store.cache(
                        namespace: caller.namespace, key: cacheKey, response: response,
                        until: clock.now.addingTimeInterval(configuration.cacheLifetimeSeconds))
                }
                return response
            case .unavailable(let failure):
                lastFailure = failure
            }
        }
        if unconfigured == route.targets.count {
            entry.model = route.model
            try await conclude(&entry, .refused, started: started)
            throw ApplicationFailure(
                "no API key for provider anthropic, which every model of route \(request.taskClass) needs: set ANTHROPIC_API_KEY "
                    + "(or apiKey/apiKeyEnv in REPRISE_GATEWAY_CONFIG), or route the task class to a local OpenAI-compatible server",
                type: LLMFailure.providerNotConfigured, nonRetryable: true)
        }
        try await conclude(&entry, .unavailable, started: started)
        throw ApplicationFailure(
            "every model of route \(request.taskClass) failed; last: \(lastFailure?.message ?? "none")", type: LLMFailure.unavailable)
    }

    /// Writes the ledger row of a call that ends without a settle, and counts it.
    func conclude(_ entry: inout GatewayStore.Entry, _ outcome: GatewayStore.Outcome, started: ContinuousClock.Instant) async throws {
        entry.outcome = outcome
        entry.latencyMs = Self.milliseconds(since: started)
        metrics.record(model: entry.model, outcome: outcome)
        try await store.record(entry, at: clock.now)
    }
}
