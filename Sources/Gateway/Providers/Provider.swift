import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Workflow

/// One attempt against one model: what a provider adapter is asked to do.
struct ProviderCall: Sendable {
    var target: GatewayConfiguration.Target
    var request: LLMRequest
    var maxTokens: Int
    var thinking: GatewayConfiguration.Thinking?
    var baseURL: String
    var apiKey: String?
    var timeout: Duration
    /// Where the call may go: checked against `baseURL` before any connection.
    var egress: EgressPolicy
}

/// What a provider answered, normalised.
struct ProviderResult: Sendable {
    var content: String
    var stopReason: String?
    var usage: Usage
    var requestId: String?
}

/// Why an attempt failed, and so what happens next: a fallback, a retry later, or the end.
struct ProviderFailure: Error, Sendable {
    enum Kind: Sendable, Equatable {
        /// 529, a 5xx or a timeout: the route's next target is tried.
        case unavailable
        /// A 429 that will pass: the activity is retried after `retryAfter`.
        case rateLimited(retryAfter: Duration?)
        /// Out of credit or over a spend limit: retrying cannot help.
        case spendLimit
        /// The request itself is wrong (400, 401, 403, 404, 422): retrying cannot help.
        case rejected
    }

    var kind: Kind
    var message: String
    var requestId: String?
}

/// A provider's wire format.
protocol LLMProvider: Sendable {
    /// The request path under the base URL.
    var path: String { get }
    func headers(for call: ProviderCall) -> HTTPHeaders
    func body(for call: ProviderCall) throws -> JSONValue
    func parse(_ json: JSONValue, requestId: String?) throws -> ProviderResult
}

extension LLMProvider {
    /// Sends one attempt with the shared HTTP client. The client never retries by itself: the
    /// engine's retry policy owns retries, the gateway owns fallbacks.
    func send(_ call: ProviderCall, client: HTTPClient) async throws -> ProviderResult {
        try await checkEgress(call)
        var request = HTTPClientRequest(url: call.baseURL + path)
        request.method = .POST
        request.headers = headers(for: call)
        request.headers.replaceOrAdd(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: try body(for: call).compactDescription))
        let response: HTTPClientResponse
        let text: String
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(call.timeout.seconds * 1e9)))
            text = String(buffer: try await response.body.collect(upTo: 32 << 20))
        } catch {
            throw ProviderFailure(kind: .unavailable, message: "\(call.target.provider) did not answer: \(error)")
        }
        let requestId = response.headers.first(name: "request-id") ?? response.headers.first(name: "x-request-id")
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw Self.failure(status: status, body: text, retryAfter: response.headers.first(name: "retry-after"), requestId: requestId)
        }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw ProviderFailure(kind: .unavailable, message: "\(call.target.provider) answered with a body that is not JSON", requestId: requestId)
        }
        return try parse(json, requestId: requestId)
    }

    /// A base URL the egress policy refuses is a configuration error: retrying cannot help, so the
    /// call is rejected (a name that does not resolve yet is unavailable, as a refused connection is).
    private func checkEgress(_ call: ProviderCall) async throws {
        do {
            try await call.egress.check(url: call.baseURL)
        } catch let refusal as EgressRefusal {
            throw ProviderFailure(kind: refusal.reason == .unresolvable ? .unavailable : .rejected, message: "\(call.target.provider): \(refusal)")
        }
    }

    /// Maps an HTTP error to what the gateway does next.
    static func failure(status: Int, body: String, retryAfter: String?, requestId: String?) -> ProviderFailure {
        let message = "HTTP \(status): \(body.prefix(300))"
        let lowered = body.lowercased()
        let spend = ["insufficient_quota", "spend limit", "credit balance", "billing"].contains { lowered.contains($0) }
        switch status {
        case 429 where spend, 400 where spend, 402:
            return ProviderFailure(kind: .spendLimit, message: message, requestId: requestId)
        case 429:
            return ProviderFailure(kind: .rateLimited(retryAfter: ProviderNumbers.retryAfter(retryAfter)), message: message, requestId: requestId)
        case 408, 500...599:
            return ProviderFailure(kind: .unavailable, message: message, requestId: requestId)
        default:
            return ProviderFailure(kind: .rejected, message: message, requestId: requestId)
        }
    }
}

/// The provider adapter for a provider name.
func provider(named name: String) throws -> any LLMProvider {
    switch name {
    case "anthropic": return AnthropicProvider()
    case "openai": return OpenAIProvider()
    default: throw GatewayError("unknown provider \"\(name)\"; use anthropic or openai")
    }
}
