import Foundation
import Tracing
import Workflow

extension Gateway {
    /// How one attempt against one model ended, when it did not throw.
    enum AttemptResult {
        case answered(LLMResponse)
        /// 529, a 5xx, a timeout: the route's next model is tried.
        case unavailable(ProviderFailure)
    }

    /// One attempt: reserve the worst case and write the call's ledger row `pending`, call the
    /// provider, settle to the actual cost (the row becomes `ok`). Every way out of the call (an
    /// answer, an error, a cancellation, a timeout) settles or releases the reservation; a worker
    /// that dies mid-call leaves one that stops counting at its expiry, the attempt's timeout plus
    /// ``reservationGraceSeconds``, when the sweep turns its row `abandoned`.
    func attempt(
        _ call: ProviderCall, checked: CheckedRequest, fallbackFrom: String?, entry: inout GatewayStore.Entry, started: ContinuousClock.Instant
    ) async throws -> AttemptResult {
        let target = call.target
        let adapter = try provider(named: target.provider)
        let price = configuration.prices[target.model]!
        let estimate = Self.estimateInputTokens(call.request)
        let worstCase = try cost(of: Usage(inputTokens: estimate, outputTokens: call.maxTokens), at: price, model: target.model)
        await sweepIfDue()
        let reservation: GatewayStore.Reservation
        do {
            let claim = GatewayStore.Claim(
                namespace: entry.caller.namespace, model: target.model, tokens: Int64(estimate + call.maxTokens), usdNanos: worstCase,
                runId: entry.caller.runId, maxRunUSDNanos: checked.maxRunUSDNanos, maxRunCalls: checked.maxRunCalls,
                lifetimeSeconds: call.timeout.seconds + Self.reservationGraceSeconds)
            // Written ahead of the call: a worker that dies after the provider answered leaves this row.
            var pending = entry
            pending.outcome = .pending
            pending.usdNanos = worstCase
            pending.fallbackFrom = fallbackFrom
            reservation = try await store.reserve(claim, pending: pending, at: clock.now)
        } catch let refusal as GatewayStore.Refusal {
            try await conclude(&entry, .refused, started: started)
            throw Self.failure(for: refusal, namespace: entry.caller.namespace, model: target.model)
        }
        let result: ProviderResult
        let usdNanos: Int64
        do {
            (result, usdNanos) = try await withSpan("chat \(target.model)", ofKind: .client) { span in
                // OpenTelemetry's GenAI conventions; the cost has none, so it is Reprise's own.
                span.attributes["gen_ai.operation.name"] = "chat"
                span.attributes["gen_ai.system"] = target.provider
                span.attributes["gen_ai.request.model"] = target.model
                span.attributes["gen_ai.request.max_tokens"] = call.maxTokens
                let result = try await adapter.send(call, client: http)
                let usdNanos = try cost(of: result.usage, at: price, model: target.model)
                span.attributes["gen_ai.usage.input_tokens"] = result.usage.inputTokens
                span.attributes["gen_ai.usage.output_tokens"] = result.usage.outputTokens
                span.attributes["reprise.llm.cost_usd"] = Double(usdNanos) / 1e9
                return (result, usdNanos)
            }
        } catch {
            await release(reservation)
            try Task.checkCancellation()
            guard let failure = error as? ProviderFailure else { throw error }
            logger.warning(
                "LLM call failed", metadata: ["model.route": "\(entry.route)", "model": "\(target.model)", "error": "\(failure.message)"])
            if failure.kind == .unavailable { return .unavailable(failure) }
            entry.providerRequestId = failure.requestId
            try await conclude(&entry, .error, started: started)
            throw Self.failure(for: failure)
        }
        let response = LLMResponse(
            model: target.model, provider: target.provider, content: result.content, stopReason: result.stopReason,
            usage: .init(
                inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, cacheReadTokens: result.usage.cacheReadTokens,
                cacheWriteTokens: result.usage.cacheWriteTokens),
            usd: Self.usd(usdNanos), latencyMs: Self.milliseconds(since: started), cacheHit: false, fallbackFrom: fallbackFrom)
        entry.usage = result.usage
        entry.usdNanos = usdNanos
        entry.latencyMs = response.latencyMs
        entry.fallbackFrom = fallbackFrom
        entry.providerRequestId = result.requestId
        entry.outcome = .ok
        let (store, ledger, now) = (store, entry, clock.now)
        // The provider has answered and charged: the settle and its ledger row are written even
        // if the caller is cancelled meanwhile.
        try await Self.shielded {
            try await store.settle(reservation, tokens: Int64(result.usage.totalTokens), usdNanos: usdNanos, ledger: ledger, at: now)
        }
        metrics.record(model: target.model, outcome: .ok, usage: result.usage, usdNanos: usdNanos)
        return .answered(response)
    }

    /// Gives a reservation back at once and deletes the call's pending ledger row. It runs even
    /// when the calling task is cancelled (a cancelled task's queries are refused by the pool);
    /// should it fail, the reservation's expiry returns it later (and its row is `abandoned`).
    func release(_ reservation: GatewayStore.Reservation) async {
        let store = store
        do {
            try await Self.shielded { try await store.release(reservation) }
        } catch {
            logger.warning(
                "an LLM reservation could not be released; it stops counting at its expiry",
                metadata: ["reservation": "\(reservation.id)", "error": "\(error)"])
        }
    }

    /// Deletes expired reservations when the last sweep is older than ``sweepInterval``, and
    /// ledgers their calls `abandoned`. An expired reservation counts for nothing already.
    func sweepIfDue() async {
        let now = ContinuousClock.now
        let due = lastSweep.withLock { last in
            if let previous = last, now - previous < sweepInterval { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let abandoned = try await store.sweepExpiredReservations()
            if abandoned > 0 {
                logger.warning("LLM calls were abandoned unsettled: their workers died mid-call", metadata: ["calls": "\(abandoned)"])
            }
        } catch {
            logger.warning("the sweep of expired LLM reservations failed", metadata: ["error": "\(error)"])
        }
    }

    /// The cost of a usage at a model's price, as a failure of the call when it is out of range.
    func cost(of usage: Usage, at price: GatewayConfiguration.Price, model: String) throws -> Int64 {
        do {
            return try price.nanoUSD(for: usage)
        } catch {
            throw ApplicationFailure(
                "the cost of this call at the price of \(model) is out of range (\(error.message)); check its price in the gateway configuration",
                type: LLMFailure.modelNotPriced, nonRetryable: true)
        }
    }

    /// Runs work to its end even when the calling task is cancelled: an unstructured task does
    /// not inherit the cancellation.
    static func shielded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await work() }.value
    }
}
