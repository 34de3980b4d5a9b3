import Crypto
import Foundation
import Workflow

extension Gateway {
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

    static func failure(for refusal: GatewayStore.Refusal, namespace: String, model: String) -> ApplicationFailure {
        switch refusal {
        case .budget(let period):
            return ApplicationFailure(
                "the \(period.rawValue) budget of namespace \(namespace) for \(model) would be exceeded", type: LLMFailure.budgetExceeded,
                nonRetryable: true)
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

    /// SHA-256 of the canonical request: namespace, model, messages and parameters. The cache
    /// table is keyed by the namespace as well, so no namespace can read another's answers.
    static func cacheKey(_ request: LLMRequest, namespace: String, model: String, maxTokens: Int) throws -> String {
        let canonical: JSONValue = .object([
            "namespace": .string(namespace), "model": .string(model), "system": request.system.map(JSONValue.string) ?? .null,
            "messages": .array(request.messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }),
            "maxTokens": .int(Int64(maxTokens)), "temperature": request.temperature.map(JSONValue.double) ?? .null,
        ])
        return SHA256.hash(data: Data(canonical.compactDescription.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// USD as whole nano-USD, rounded down; `nil` outside `0...LLMLimits.maxUSD` (or NaN), so
    /// the conversion to `Int64` never leaves its range.
    static func nanos(_ usd: Decimal) -> Int64? {
        guard !usd.isNaN, usd >= 0, usd <= LLMLimits.maxUSD else { return nil }
        var value = usd * 1_000_000_000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .down)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    static func usd(_ nanos: Int64) -> Decimal { Decimal(nanos) / 1_000_000_000 }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Int(clamping: seconds) &* 1000 &+ Int(attoseconds / 1_000_000_000_000_000)
    }
}
