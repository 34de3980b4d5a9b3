import Metrics

/// The gateway's Prometheus series. Every label comes from configuration or from a closed set:
/// a model name the configuration prices (anything else is `other`), a token kind, an outcome.
/// Nothing a caller chooses (a namespace, a tenant, a task class) becomes a label, so the series
/// name no one's namespace on `/metrics` and their number stays bounded.
struct GatewayMetrics: Sendable {
    /// The factory to use; `nil` uses the process's bootstrapped `MetricsSystem` at the time of
    /// each count, as a counter made without a factory does.
    let factory: (any MetricsFactory)?
    /// The models the configuration names.
    let models: Set<String>

    func modelLabel(_ model: String?) -> String {
        model.map { models.contains($0) ? $0 : "other" } ?? "none"
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        Counter(label: label, dimensions: dimensions, factory: factory ?? MetricsSystem.factory)
    }

    /// Counts one call by outcome, and what it used and cost.
    func record(model: String?, outcome: GatewayStore.Outcome, usage: Usage = Usage(), usdNanos: Int64 = 0) {
        let model = modelLabel(model)
        counter("reprise_llm_calls_total", [("model", model), ("outcome", outcome.rawValue)]).increment()
        guard usage != Usage() || usdNanos > 0 else { return }
        let kinds = [
            ("input", usage.inputTokens), ("output", usage.outputTokens), ("cache_read", usage.cacheReadTokens),
            ("cache_write", usage.cacheWriteTokens),
        ]
        for (kind, tokens) in kinds {
            counter("reprise_llm_tokens_total", [("model", model), ("kind", kind)]).increment(by: tokens)
        }
        counter("reprise_llm_usd_nanos_total", [("model", model)]).increment(by: Int(usdNanos))
        FloatingPointCounter(label: "reprise_llm_cost_usd_total", dimensions: [("model", model)], factory: factory ?? MetricsSystem.factory)
            .increment(by: Double(usdNanos) / 1e9)
    }
}
