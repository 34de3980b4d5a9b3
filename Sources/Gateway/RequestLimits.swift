import Foundation
import Workflow

/// The bounds on a request's numbers. A value outside them is refused with
/// `InvalidLLMRequest` (HTTP 400, a non-retryable activity failure) naming the field, before any
/// arithmetic: no request can overflow the gateway's sums or trap a conversion.
public enum LLMLimits {
    /// The most output tokens a request may ask for; no model writes more in one call.
    public static let maxTokens = 1_000_000
    /// The largest `maxRunUSD`, and the largest budget, in USD (10^9 USD is 10^18 nano-USD,
    /// below `Int64.max`).
    public static let maxUSD: Decimal = 1_000_000_000
    /// The largest `maxRunCalls`: the database keeps it as a 32-bit integer.
    public static let maxRunCalls = Int(Int32.max)
    /// The temperature range providers accept.
    public static let temperature: ClosedRange<Double> = 0...2
}

/// What ``LLMRequest/cache`` may say: use the exact-response cache, or skip it.
enum LLMCacheMode: String, Sendable {
    case exact, off
}

/// A request's numbers after ``LLMRequest/checked(route:namespace:)``: what the gateway computes with.
struct CheckedRequest: Sendable {
    var maxTokens: Int
    var maxRunUSDNanos: Int64?
    var maxRunCalls: Int32?
    var usesExactCache: Bool
}

extension LLMRequest {
    /// Checks the request against its caller and ``LLMLimits``.
    ///
    /// - Throws: ``ApplicationFailure`` of type `TenantMismatch` when `tenant` names anything but
    ///   the caller's namespace, or `InvalidLLMRequest` naming the field that is out of range.
    func checked(route: GatewayConfiguration.Route, namespace: String) throws -> CheckedRequest {
        if let tenant, tenant != namespace {
            throw ApplicationFailure(
                "tenant \"\(tenant)\" is not the caller's namespace \"\(namespace)\": a call is charged to its caller's namespace, "
                    + "so leave tenant out or set it to the namespace",
                type: LLMFailure.tenantMismatch, nonRetryable: true)
        }
        guard !messages.isEmpty, messages.allSatisfy({ ["user", "assistant"].contains($0.role) }) else {
            throw Self.invalid("messages must be non-empty, with roles user or assistant")
        }
        let maxTokens = self.maxTokens ?? route.maxTokens
        guard (1...LLMLimits.maxTokens).contains(maxTokens) else {
            throw Self.invalid("maxTokens must be between 1 and \(LLMLimits.maxTokens); got \(maxTokens)")
        }
        if let temperature, !LLMLimits.temperature.contains(temperature) {
            throw Self.invalid("temperature must be between 0 and 2; got \(temperature)")
        }
        if let cachePrefix, !(0...messages.count).contains(cachePrefix) {
            throw Self.invalid("cachePrefix must be between 0 and the number of messages (\(messages.count)); got \(cachePrefix)")
        }
        let cacheMode = try cache.map { cache in
            guard let mode = LLMCacheMode(rawValue: cache) else { throw Self.invalid("cache must be exact or off; got \"\(cache)\"") }
            return mode
        }
        var runUSDNanos: Int64?
        if let maxRunUSD {
            guard let nanos = Gateway.nanos(maxRunUSD) else {
                throw Self.invalid("maxRunUSD must be between 0 and \(LLMLimits.maxUSD); got \(maxRunUSD)")
            }
            runUSDNanos = nanos
        }
        var runCalls: Int32?
        if let maxRunCalls {
            guard (0...LLMLimits.maxRunCalls).contains(maxRunCalls) else {
                throw Self.invalid("maxRunCalls must be between 0 and \(LLMLimits.maxRunCalls); got \(maxRunCalls)")
            }
            runCalls = Int32(maxRunCalls)
        }
        return CheckedRequest(
            maxTokens: maxTokens, maxRunUSDNanos: runUSDNanos, maxRunCalls: runCalls,
            usesExactCache: cacheMode == .exact || (cacheMode != .off && temperature == 0))
    }

    static func invalid(_ message: String) -> ApplicationFailure {
        ApplicationFailure(message, type: LLMFailure.invalidRequest, nonRetryable: true)
    }
}
